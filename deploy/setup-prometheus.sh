#!/usr/bin/env bash
# Install Prometheus and promtool from the operating system's package (Debian's `prometheus`),
# which the test suite runs for real: `promtool check/test` over deploy/prometheus/ and an
# end-to-end test that scrapes the hub. Idempotent: does nothing when both are on PATH.
#
# The Debian package may also start a system prometheus service; the project never uses it
# (tests start their own server on a free port with a temporary data directory).
set -euo pipefail

if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    printf '%s\n' \
        "error: prometheus and promtool are not on PATH, and this user cannot install them" \
        "(not root, and no password-less sudo). Install Debian's package yourself:" \
        "    sudo apt-get update && sudo apt-get install -y --no-install-recommends prometheus" \
        "or put a Prometheus 2.x release's prometheus and promtool binaries on PATH." >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: prometheus/promtool missing and apt-get is not available;" \
        "put Prometheus 2.x's prometheus and promtool on PATH" >&2
    exit 1
fi

echo "Installing Prometheus (Debian package 'prometheus') for the monitoring tests..."
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends prometheus >/dev/null

for tool in prometheus promtool; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "error: apt-get installed 'prometheus' but $tool is still not on PATH" >&2
        exit 1
    }
done
echo "Installed: $(prometheus --version 2>&1 | head -n 1)"
