"""Request parameters with the bounds the database can hold, for every capability's routes.

An id or a page number past what a column or an OFFSET can take used to reach the driver and
come back as a 500; bounded here, it is a 400 that names the parameter.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Request
from litestar.exceptions import ValidationException
from litestar.params import PathParameter, QueryParameter

from app.platform.i18n import gettext as _

# PostgreSQL's `serial` ids are 32-bit; SQLite's are 64-bit. The smaller bound serves both.
MAX_ID = 2**31 - 1
# Far past any real list, far below an OFFSET overflow.
MAX_PAGE = 100_000

RowId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
Page = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_ID)]
# Finite numbers in range: inf and nan fail the bounds too.
Latitude = Annotated[float, QueryParameter(ge=-90, le=90)]
Longitude = Annotated[float, QueryParameter(ge=-180, le=180)]
# A ward named in an address (`?ward=11446`): codes are five digits, absent means none.
WardCode = Annotated[str | None, QueryParameter(min_length=1, max_length=10)]


def parse_id(raw: object) -> int | None:
    """A row id typed into a form, or None when it is not one."""
    try:
        value = int(str(raw or "").strip())
    except ValueError:
        return None
    return value if 1 <= value <= MAX_ID else None


def parse_ids(form, key: str) -> list[int]:
    """The row ids ticked in a form's repeated field (checkboxes); anything else is left out."""
    return [i for i in (parse_id(v) for v in (form.getall(key) if key in form else [])) if i is not None]


def refuse_out_of_range_path_ids(request: Request) -> None:
    """Before every handler: a whole number in the path (`{id:int}`) past what an id column
    holds is refused with a 400 here, for every route at once, instead of reaching the driver
    (SQLite raises OverflowError, PostgreSQL refuses the argument) as a 500."""
    for name, value in request.path_params.items():
        if isinstance(value, int) and not -MAX_ID <= value <= MAX_ID:
            raise ValidationException(
                _("%(name)s is out of range: give a number up to %(max)d.") % {"name": name, "max": MAX_ID}
            )
