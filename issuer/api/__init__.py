"""A fund centre's portal service (FastAPI): the employees' portal and API, the staff API, and
the pages in issuer/web/. `hpf issuer serve --centre C` runs it (docs/portal.md)."""

from __future__ import annotations

from issuer.api.main import create_app

__all__ = ["create_app", "serve"]


def serve(centre: int, host: str, port: int) -> None:
    """Run the centre's service with uvicorn: one worker (it runs the centre's batcher)."""
    import uvicorn  # noqa: PLC0415

    from node.settings import get_settings  # noqa: PLC0415

    uvicorn.run(create_app(centre), host=host, port=port, workers=1,
                log_level=get_settings().log_level.lower(), access_log=False)
