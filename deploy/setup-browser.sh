#!/bin/sh
# Installs Debian's headless browser for the inbox's browser tests (tests/integration/inbox):
# chromium and chromium-driver, only when missing. Idempotent; needs root or sudo for apt-get.
set -eu
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "error: chromium and chromium-driver are missing, and installing them needs root" >&2
    echo "       (apt-get install -y chromium chromium-driver)" >&2
    exit 1
fi
echo "installing Debian's chromium and chromium-driver for the inbox browser tests"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
command -v chromium >/dev/null && command -v chromedriver >/dev/null
