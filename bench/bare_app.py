"""The baseline: a bare Litestar endpoint served the same way, measured in the same run."""

from litestar import Litestar, get


@get("/")
async def hello() -> dict:
    return {"ok": True}


app = Litestar([hello])
