#!/usr/bin/env bash
# Installs what bench/run.py needs beyond the virtualenv: wrk (Debian's
# package), the HTTP load generator for the 64-user rows. Idempotent.
set -euo pipefail
if command -v wrk >/dev/null; then
  exit 0
fi
as_root() {
  if [[ $(id -u) == 0 ]]; then "$@"; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo -n "$@"; else
    echo "bench: wrk is missing and installing it needs root (apt-get install wrk)" >&2
    exit 1
  fi
}
echo "bench: installing wrk with apt-get"
as_root apt-get update -qq >/dev/null
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
