"""Healthcheck of the web container (docker-compose.yml): GET /healthz on the local gunicorn.

The request looks like one forwarded by the TLS proxy in front of the app: a Host
from ALLOWED_HOSTS and ``X-Forwarded-Proto: https`` (honoured with
SECURE_PROXY_SSL=true), so that SECURE_SSL_REDIRECT does not answer it with a
redirect. Exits 0 only on 200 {"status": "ok"}. Standard library only.

Environment: ALLOWED_HOSTS (the first entry is used as Host), PORT (8000).
"""

import json
import os
import sys
import urllib.request


def probe_host() -> str:
    first = os.environ.get("ALLOWED_HOSTS", "").split(",")[0].strip().lstrip(".")
    return first if first and first != "*" else "localhost"


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz",
        headers={"Host": probe_host(), "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - a fixed http://127.0.0.1 URL
            healthy = response.status == 200 and json.load(response) == {"status": "ok"}
    except (OSError, ValueError) as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1
    print("healthy" if healthy else "unhealthy")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
