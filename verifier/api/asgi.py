"""ASGI factory for uvicorn workers (`hpf verifier serve` runs
`uvicorn --factory verifier.api.asgi:create_app`): the app built from the process's settings,
read when uvicorn calls the factory, never at import."""

from __future__ import annotations

from fastapi import FastAPI

from node.settings import get_settings
from verifier.api import main


def create_app() -> FastAPI:
    return main.create_app(get_settings())
