"""ASGI entry point for uvicorn workers: the app built from the process's settings."""

from node.settings import get_settings
from verifier.api.main import create_app

app = create_app(get_settings())
