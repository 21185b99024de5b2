#!/bin/sh
# Installs, from Debian's packages and only when missing, what the inbox's integration tests
# run against (tests/integration/inbox): headless chromium and chromium-driver for the
# browser tests, and the postgresql server binaries for the PostgreSQL store tests (the tests
# start their own throwaway cluster on a free port; the Debian service is not used).
# Idempotent; needs root or sudo for apt-get. `make test` runs it.
set -eu
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v chromedriver >/dev/null 2>&1 || missing="$missing chromium-driver"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "error: missing Debian packages:$missing; installing them needs root or sudo" >&2
    exit 1
fi
echo "installing Debian packages for the inbox tests:$missing"
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
