from litestar import Response, get
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from app.platform.db import database_answers


@get("/healthz", tags=["ops"])
async def healthz() -> Response[dict]:
    """200 when the database answers a real query, 503 otherwise."""
    if await database_answers():
        return Response({"status": "ok", "database": "ok"}, status_code=HTTP_200_OK)
    return Response(
        {"status": "unavailable", "database": "not answering"},
        status_code=HTTP_503_SERVICE_UNAVAILABLE,
    )
