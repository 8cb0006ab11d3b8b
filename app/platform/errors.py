"""Server errors: each one's traceback in the log under a short id the person is shown, so a
report of "error 3f9c0a1b2d4e" leads an operator straight to its cause."""

from __future__ import annotations

import logging
import secrets

from litestar import Request

from app.platform.i18n import gettext as _

logger = logging.getLogger("gandan")


def log_server_error(request: Request, error: Exception) -> str:
    """Write the traceback with the request's method and path; return the id to show."""
    error_id = secrets.token_hex(6)
    logger.error("server error %s on %s %s", error_id, request.method, request.url.path, exc_info=error)
    return error_id


def server_error_message(error_id: str) -> str:
    return _("Something went wrong on our side. If it happens again, tell us error number %(id)s.") % {
        "id": error_id
    }
