"""/docs without a network: Swagger UI's files come from the swagger-ui-bundle wheel, the page and
its start-up script from verifier/docs_assets/ (no CDN, no inline script). Used by the verifier
and by every centre's portal."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from fastapi import FastAPI
from fastapi.responses import FileResponse, Response

ASSETS = Path(__file__).resolve().parents[1] / "docs_assets"
_SWAGGER_FILES = ("swagger-ui.css", "swagger-ui-bundle.js")


def install_docs(app: FastAPI) -> None:
    """Serve /docs and /docs-assets/* from local files (the app is built with docs_url=None)."""
    swagger = Path(swagger_ui_bundle.swagger_ui_path)

    @app.get("/docs", include_in_schema=False)
    def docs() -> FileResponse:
        return FileResponse(ASSETS / "docs.html", headers={"Cache-Control": "no-cache"})

    @app.get("/docs-assets/docs-init.js", include_in_schema=False)
    def docs_init() -> FileResponse:
        return FileResponse(ASSETS / "docs-init.js", media_type="text/javascript")

    for name in _SWAGGER_FILES:
        def serve(name: str = name) -> Response:
            return FileResponse(swagger / name, headers={"Cache-Control": "public, max-age=86400"})

        app.add_api_route(f"/docs-assets/{name}", serve, methods=["GET"], include_in_schema=False)
