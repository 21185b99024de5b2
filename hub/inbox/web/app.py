"""The inbox web app (FastAPI): pages, the JSON API, /metrics and /healthz on one port.

FastAPI because it gives a typed JSON API with an OpenAPI description for free and serves
Jinja2 pages from the same routes' logic; uvicorn runs it. Nothing but sign-in, /healthz,
/metrics and the stylesheet answers without a live session.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from hub import __version__
from hub.inbox.errors import InboxError
from hub.inbox.service import BadRequest, Forbidden, NotFound
from hub.inbox.web import api, pages
from hub.inbox.web.auth import CsrfRejected, NotSignedIn
from hub.inbox.web.services import Services

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent.parent

_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def create_app(services: Services) -> FastAPI:
    app = FastAPI(
        title="CSP hub inbox",
        version=__version__,
        description="Alerts for the partnership's panels; every identity opening is audited.",
        docs_url=None,  # Swagger UI would load from a CDN; the description is at openapi_url
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.services = services
    templates = Jinja2Templates(directory=HERE / "templates")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in _HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static"):
            response.headers["Cache-Control"] = "no-store"  # identities must not be cached
        return response

    def _is_api(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    def _error(request: Request, status: int, message: str) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": message}, status_code=status)
        return templates.TemplateResponse(
            request, "error.html", {"status": status, "message": message}, status_code=status
        )

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "sign in first"}, status_code=401)
        target = "/login?expired=1" if exc.expired else "/login"
        if request.method == "GET" and request.url.path != "/":
            sep = "&" if "?" in target else "?"
            target += f"{sep}next={request.url.path}"
        response = RedirectResponse(target, status_code=303)
        response.delete_cookie("hub_session", path="/")
        return response

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return _error(request, 404, "There is no such alert for your panels.")

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return _error(request, 403, str(exc))

    @app.exception_handler(CsrfRejected)
    async def csrf(request: Request, exc: CsrfRejected) -> Response:
        return _error(request, 403, str(exc))

    @app.exception_handler(InboxError)
    async def inbox_error(request: Request, exc: InboxError) -> Response:
        log.error("%s %s: %s", request.method, request.url.path, exc)
        return _error(request, 500, f"This could not be done: {exc}")

    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, exc: BadRequest) -> Response:
        return _error(request, 400, str(exc))

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> Response:
        try:
            with services.store.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # any database failure means not healthy
            return PlainTextResponse(f"store unavailable: {type(exc).__name__}", status_code=503)
        for recipient in sorted({p.recipient for p in services.directory.panels}):
            key = services.inbox.identity.key_file(recipient)
            if not key.is_file():
                return PlainTextResponse(f"identity key missing: {key}", status_code=503)
        return PlainTextResponse("ok")

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(services.registry), media_type=CONTENT_TYPE_LATEST)

    app.include_router(pages.router(services, templates))
    app.include_router(api.router(services))
    return app
