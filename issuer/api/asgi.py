"""ASGI entry point for uvicorn workers (`hpf issuer serve --workers N`): the centre's app,
the centre named by HPF_PORTAL_CENTRE (set by `serve`)."""

import os

from issuer.api.main import create_app

app = create_app(int(os.environ["HPF_PORTAL_CENTRE"]))
