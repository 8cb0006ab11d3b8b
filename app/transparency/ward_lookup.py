"""The lookup every page that names a ward in its path starts with: a 404 a person can read."""

from __future__ import annotations

from litestar.exceptions import NotFoundException

from app.platform.i18n import gettext as _
from app.transparency.queries import ward_by_code


async def ward_or_404(code: str) -> dict:
    ward = await ward_by_code(code)
    if ward is None:
        raise NotFoundException(_("There is no ward with the code %(code)s.") % {"code": code})
    return ward
