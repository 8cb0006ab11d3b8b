"""Open311 media_url fetching: the address checked is the address reached, private addresses
in any disguise are refused, and a slow server is cut off at a total deadline."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.transparency import open311_routes
from app.transparency.open311_routes import Open311Error, fetch_media
from tests.photos_for_tests import jpeg


class _Recorder(BaseHTTPRequestHandler):
    """Answers with a photo and remembers the Host header each request carried."""

    body = jpeg()
    hosts: list[str] = []

    def do_GET(self):  # noqa: N802 (the standard library's name)
        self.hosts.append(self.headers["Host"])
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


class _Trickler(BaseHTTPRequestHandler):
    """One byte every 50 ms for up to 10 s: each read is quick, the whole never is."""

    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.end_headers()
        for _ in range(200):
            try:
                self.wfile.write(b"\xff")
                self.wfile.flush()
            except OSError:  # the client hung up, as it should
                return
            time.sleep(0.05)  # the hostile server's pace, not a wait for readiness

    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    servers = []

    def start(handler) -> int:
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_port

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/photo.jpg",  # a name that resolves to a private address
        "http://127.0.0.1/photo.jpg",
        "http://[64:ff9b::10.0.0.1]/photo.jpg",  # NAT64 form of 10.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/photo.jpg",  # NAT64 form of 169.254.169.254 (cloud metadata)
        "http://[2002:0a00:0001::]/photo.jpg",  # 6to4 form of 10.0.0.1
        "http://[::ffff:192.168.1.1]/photo.jpg",  # IPv4-mapped
        "http://[64:ff9b:1::a00:1]/photo.jpg",  # a site's local NAT64 prefix
    ],
)
async def test_private_addresses_are_refused_in_every_form(url):
    with pytest.raises(Open311Error, match="public address"):
        await fetch_media(url, allow_private=False)


@pytest.mark.parametrize("host", ["a" * 64 + ".example", "a..example"])
async def test_a_malformed_host_name_is_a_400_not_a_500(host):
    """Regression: the resolver raises UnicodeError, not OSError, for such names."""
    with pytest.raises(Open311Error, match="could not be found"):
        await fetch_media(f"http://{host}/photo.jpg", allow_private=False)


async def test_a_public_address_behind_nat64_or_6to4_passes_the_check():
    # The check alone (the fetch itself would leave this machine): 8.8.8.8 in both forms.
    assert open311_routes._is_public(open311_routes.ipaddress.ip_address("64:ff9b::808:808"))
    assert open311_routes._is_public(open311_routes.ipaddress.ip_address("2002:808:808::"))


async def test_the_fetch_connects_to_the_checked_address_keeping_the_host(serve, monkeypatch):
    """partner.invalid cannot be resolved by anyone (RFC 6761); only the checked answer, the
    local server's address, can have carried this request there."""
    port = serve(_Recorder)
    looked_up = []

    async def resolve(host, port):  # DNS is outside this machine: this stands in for it
        looked_up.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(open311_routes, "_resolve", resolve)
    data = await fetch_media(f"http://partner.invalid:{port}/photo.jpg", allow_private=True)
    assert data == _Recorder.body
    assert looked_up == ["partner.invalid"]  # resolved once, by the check
    assert _Recorder.hosts[-1] == f"partner.invalid:{port}"


async def test_a_rebinding_name_cannot_reach_a_private_address(monkeypatch):
    """The check's answer is public; a second lookup would have said 127.0.0.1."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    async def resolve(host, port):
        return next(answers)

    monkeypatch.setattr(open311_routes, "_resolve", resolve)
    connected = []

    async def refuse_to_leave(self, request):  # the public address is outside this machine
        connected.append(request.url.host)
        raise open311_routes.httpx.ConnectError("test forbids leaving this machine")

    monkeypatch.setattr(open311_routes.httpx.AsyncHTTPTransport, "handle_async_request", refuse_to_leave)
    with pytest.raises(Open311Error, match="could not be fetched"):
        await fetch_media("http://rebind.invalid/photo.jpg", allow_private=False)
    assert connected == ["93.184.216.34"]


async def test_a_trickling_server_is_cut_off_at_the_total_deadline(serve):
    port = serve(_Trickler)
    with pytest.raises(Open311Error, match="longer than 0.5 seconds"):
        await fetch_media(f"http://127.0.0.1:{port}/photo.jpg", allow_private=True, deadline=0.5)
