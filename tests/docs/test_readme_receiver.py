"""The README's webhook receiver verifies our signature and refuses a forged one.

The Python block of the README's "Webhooks and events" section is run as written
(with a test secret), served on loopback, and sent a delivery signed as the
webhooks app signs them.
"""

import base64
import http.client
import json
import re
import threading
from datetime import UTC, datetime
from http.server import HTTPServer
from pathlib import Path

import pytest
from standardwebhooks import Webhook

README = Path(__file__).resolve().parents[2] / "README.md"
# Made for this test: a secret in the Standard Webhooks format.
SECRET = "whsec_" + base64.b64encode(b"made-for-this-test-0123").decode()


def _receiver_block() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Webhooks and events", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "the section shows one Python receiver"
    return blocks[0].replace('SECRET = "whsec_..."', f'SECRET = "{SECRET}"')


@pytest.fixture
def receiver():
    namespace: dict = {"__name__": "readme_receiver"}
    exec(compile(_receiver_block(), "README.md", "exec"), namespace)  # noqa: S102
    server = HTTPServer(("127.0.0.1", 0), namespace["Hook"])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], namespace["seen"]
    server.shutdown()
    server.server_close()


def _post(port: int, body: bytes, headers: dict[str, str]) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request(
        "POST", "/", body=body, headers={"Content-Type": "application/json", **headers}
    )
    status = connection.getresponse().status
    connection.close()
    return status


def _signed(body: bytes, event_id: str) -> dict[str, str]:
    now = datetime.now(tz=UTC)
    signature = Webhook(SECRET).sign(event_id, now, body.decode())
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }


BODY = json.dumps(
    {
        "type": "claim.verdict.published",
        "timestamp": "2026-12-07T00:00:00Z",
        "data": {"object_url": "/api/v1/claims/1/", "note": "made for this test"},
    }
).encode()


def test_the_readme_receiver_accepts_a_signed_delivery_once(receiver, capsys):
    port, seen = receiver
    headers = _signed(BODY, "evt_made_for_this_test")
    assert _post(port, BODY, headers) == 204
    assert _post(port, BODY, headers) == 204  # delivered again: deduplicated
    assert seen == {"evt_made_for_this_test"}
    assert capsys.readouterr().out.count("claim.verdict.published") == 1


def test_the_readme_receiver_refuses_a_tampered_body(receiver):
    port, seen = receiver
    headers = _signed(BODY, "evt_made_for_this_test")
    assert _post(port, BODY.replace(b"claims/1/", b"claims/2/"), headers) == 400
    assert seen == set()
