# The hub's image for docker-compose.yml. Installs exactly the pinned set (constraints.txt).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY hub ./hub
COPY privacy ./privacy
COPY schemas ./schemas
COPY deploy ./deploy
RUN pip install --no-cache-dir -c constraints.txt .
# The state volume starts as a copy of this folder, so the hub's user owns it.
RUN mkdir -p /var/lib/hub && chown nobody:nogroup /var/lib/hub
USER nobody
ENTRYPOINT []
CMD ["hub", "--help"]
