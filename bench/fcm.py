"""Messages per second through firebase-admin to a local FCM stand-in, against the
stand-in's own ceiling (plain HTTP posts of the same messages), measured in the same run.

The stand-in runs in a process of its own, so that its threads do not share the sender's
interpreter (and its GIL) and the figure is the sender's, not the two of them at once."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from notifications.fcm import FirebaseSender, Push
from tests.fake_fcm import FakeFcm

MESSAGES = 2000


def ceiling(fake, seconds: int = 5) -> float:
    """What the stand-in itself serves: wrk posting the same message over kept-alive connections."""
    if shutil.which("wrk") is None:
        sys.exit("bench fcm needs wrk for the stand-in's ceiling: apt-get install wrk")
    body = json.dumps({"message": {"fid": "live-x", "notification": {"title": "t", "body": "b"}}})
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(body)}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        'wrk.headers["Authorization"] = "Bearer fake-access-token"\n'
    )
    url = fake.fcm_url.replace("{project_id}", "gandan-test")
    done = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "-s", str(script), url],
                          capture_output=True, text=True, check=True)  # fmt: skip
    script.unlink()
    return float(re.search(r"Requests/sec:\s+([\d.]+)", done.stdout).group(1))


async def through_firebase_admin(fake, folder: Path) -> float:
    sender = FirebaseSender(fake.service_account(folder), fake.fcm_url)
    pushes = [
        Push(f"live-{n}", "Phản ánh HP-2611-0001", "Đã vá ổ gà", "/r/HP-2611-0001") for n in range(MESSAGES)
    ]
    try:
        await sender.send(pushes[:10])  # the OAuth token and connections, outside the timing
        started = time.perf_counter()
        outcomes = await sender.send(pushes)
        elapsed = time.perf_counter() - started
    finally:
        await sender.close()
    assert all(outcome == "ok" for outcome, _ in outcomes)
    return MESSAGES / elapsed


class StandIn:
    """tests/fake_fcm.py's FakeFcm, served by another Python process until closed."""

    def __init__(self) -> None:
        serve = ("import sys; from tests.fake_fcm import FakeFcm; "
                 "print(FakeFcm().url, flush=True); sys.stdin.read()")  # fmt: skip
        self.process = subprocess.Popen([sys.executable, "-c", serve], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)  # fmt: skip
        self.url = self.process.stdout.readline().strip()

    fcm_url = FakeFcm.fcm_url
    service_account = FakeFcm.service_account

    def close(self) -> None:
        self.process.stdin.close()  # the stand-in ends when its input does
        self.process.wait(timeout=10)


def main() -> None:
    fake = StandIn()
    try:
        with tempfile.TemporaryDirectory() as folder:
            raw = ceiling(fake)
            ours = asyncio.run(through_firebase_admin(fake, Path(folder)))
    finally:
        fake.close()
    print(f"\n== Push, {MESSAGES} messages to the local FCM stand-in (its own process)")
    print(f"  the stand-in's ceiling (wrk, 32 connections, baseline) {raw:8.0f} msg/s")
    print(f"  firebase-admin send_each_async, batches of 500       {ours:8.0f} msg/s   ×{ours / raw:.2f}")
