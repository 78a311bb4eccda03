"""The JSON API (FastAPI), mounted by the app under /api: app.py, deps.py, schemas.py, routes/."""

from fintech_ui.api.app import api
from fintech_ui.api.deps import MAX_BODY_BYTES

__all__ = ["MAX_BODY_BYTES", "api"]
