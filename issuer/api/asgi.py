"""ASGI factory for uvicorn workers: `hpf issuer serve --workers N` runs
`uvicorn --factory issuer.api.asgi:create_app`, each worker serving the centre named by
HPF_PORTAL_CENTRE (set by `serve`). Nothing is read at import: the settings are read when uvicorn
calls the factory, in the worker."""

from __future__ import annotations

import os

from fastapi import FastAPI

from issuer.api import main

PORTAL_CENTRE_ENV = "HPF_PORTAL_CENTRE"
"""How `serve` tells its workers which centre they serve."""


def create_app() -> FastAPI:
    return main.create_app(int(os.environ[PORTAL_CENTRE_ENV]))
