"""Every page under the Content-Security-Policy in real Chromium: no violation reported."""

from __future__ import annotations

import pytest

from tests.test_browser import CHROMIUM, chromium  # noqa: F401 (the browser fixture)
from tests.workspace_helpers import PHU_LIEN, new_report, staff_accounts

pytestmark = pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="no chromium")

PUBLIC_PAGES = ["/", "/reports/new", "/map", "/actions", "/me/", "/login", f"/wards/{PHU_LIEN}",
                "/provinces/31"]
STAFF_PAGES = ["/staff/", "/staff/actions/new", "/staff/password"]


async def test_pages_satisfy_their_content_security_policy(chromium, live_server):  # noqa: F811
    await staff_accounts()
    report = await new_report()
    context = await chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = await context.new_page()
    await page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    violations = []

    async def visit(path: str) -> None:
        response = await page.goto(f"{live_server}{path}")
        assert response.status < 400 and response.url == f"{live_server}{path}", path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        await page.wait_for_load_state("networkidle")
        violations.extend(f"{path}: {v}" for v in await page.evaluate("window.__csp"))

    for path in [*PUBLIC_PAGES, f"/r/{report['code']}"]:
        await visit(path)
    await page.goto(f"{live_server}/login")
    await page.fill("input[name=username]", "lanhdao.phulien")
    await page.fill("input[name=password]", __import__("app.demo").demo.DEMO_PASSWORD)
    # By its name: the header's tracking-code box has a submit button too.
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.wait_for_url(f"{live_server}/staff/")
    for path in [*STAFF_PAGES, f"/staff/reports/{report['code']}"]:
        await visit(path)
    # The suggested replies fill the reply field without an inline handler.
    suggestion = page.locator("button[data-fills=public_text]").first
    if await suggestion.count():
        await suggestion.click()
        assert await page.input_value("#public_text") == (await suggestion.inner_text()).strip()
    assert violations == []
