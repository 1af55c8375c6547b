"""A fund centre's portal service (FastAPI): the employees' portal and API, the staff API, and
the pages in issuer/web/. `hpf issuer serve --centre C` runs it (docs/portal.md)."""

from __future__ import annotations

import os
import secrets

import uvicorn

from issuer.api.asgi import PORTAL_CENTRE_ENV
from issuer.api.main import create_app
from node.settings import get_settings

__all__ = ["create_app", "serve"]


def serve(centre: int, host: str, port: int, *, workers: int = 1) -> None:
    """Run the centre's service with uvicorn. Each worker runs a batcher; they share the work
    through the database (a certificate is claimed by one batch only). Several workers render
    PDFs on several cores; they share one session secret (HPF_SESSION_SECRET, or one made for
    this run); login limits and quotas are counted in the database. Forwarding headers are not
    uvicorn's business: the service believes X-Forwarded-For only from HPF_TRUSTED_PROXIES."""
    level = get_settings().log_level.lower()
    if workers <= 1:
        uvicorn.run(create_app(centre), host=host, port=port, workers=1, log_level=level, access_log=False,
                    proxy_headers=False)
        return

    os.environ[PORTAL_CENTRE_ENV] = str(centre)
    os.environ.setdefault("HPF_SESSION_SECRET", secrets.token_hex(32))
    uvicorn.run("issuer.api.asgi:create_app", factory=True, host=host, port=port, workers=workers, log_level=level,
                access_log=False, proxy_headers=False)
