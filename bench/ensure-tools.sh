#!/usr/bin/env bash
# Installs what the benchmarks need beyond the virtualenv, from Debian's
# packages: wrk, the HTTP load generator for the 64-user rows (bench/run.py),
# and PgBouncer, the connection pooler of the scale-out bench
# (bench/scaleout.py; Debian's package, started by the bench itself, never as
# a service). Idempotent; silent when everything is there.
set -euo pipefail

packages=()
command -v wrk >/dev/null || packages+=(wrk)
[[ -x /usr/sbin/pgbouncer ]] || command -v pgbouncer >/dev/null || packages+=(pgbouncer)
if ((${#packages[@]} == 0)); then
  exit 0
fi
as_root() {
  if [[ $(id -u) == 0 ]]; then "$@"; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo -n "$@"; else
    echo "bench: ${packages[*]} missing and installing needs root (apt-get install ${packages[*]})" >&2
    exit 1
  fi
}
echo "bench: installing ${packages[*]} with apt-get"
as_root apt-get update -qq >/dev/null
# The package's own service is not started here (no init system; the
# postinst's start is refused), and the bench never uses it.
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
