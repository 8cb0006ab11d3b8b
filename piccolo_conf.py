"""Entry point for Piccolo's own CLI (`piccolo migrations ...`); the app sets PICCOLO_CONF."""

from app.piccolo_conf import APP_REGISTRY, DB  # noqa: F401
