"""The EnKash client against the sandbox server: token, headers, 401 refresh, timeouts, AES."""

import base64
import http.client
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from b2bportal.network import client as enkash_client
from b2bportal.network.client import decrypt_payload, encrypt_payload, get_client, token_lifetime

from .conftest import CONFIRM_PATH, OUTBOUND_CLIENT_ID, confirmation_body


def test_post_sends_bearer_token_request_id_and_body(enkash):
    body = confirmation_body()

    exchange = get_client().post(CONFIRM_PATH, body, req_msg_id="a" * 32)

    [received] = enkash.wait_for(1)
    assert received.path == CONFIRM_PATH
    assert received.body == body
    assert received.req_msg_id == "a" * 32
    assert received.headers["content-type"] == "application/json"
    assert enkash.token_valid(received.bearer)
    assert exchange.status_code == 200
    assert exchange.payload["response_code"] == 0
    assert exchange.payload["payload"]["reqMsgId"] == "a" * 32
    assert exchange.request_headers["Authorization"] == "Bearer ****"
    assert exchange.request_headers["X-Request-Id"] == "a" * 32
    assert json.loads(exchange.request_body) == body


def test_token_is_fetched_once_and_reused(enkash):
    client = get_client()
    for n in range(3):
        assert client.post(CONFIRM_PATH, {}, req_msg_id=f"{n:032d}").status_code == 200

    assert enkash.tokens_issued == 1
    assert len({r.bearer for r in enkash.received}) == 1


def test_expired_token_is_refreshed_once_on_401(enkash):
    client = get_client()
    client.post(CONFIRM_PATH, {}, req_msg_id="1" * 32)
    enkash.expire_tokens()

    exchange = client.post(CONFIRM_PATH, {}, req_msg_id="2" * 32)

    assert [each.status_code for each in exchange.chain()] == [401, 200]
    assert enkash.tokens_issued == 2
    assert [r.status for r in enkash.received] == [200, 401, 200]


def test_wrong_credentials_send_nothing(enkash, settings):
    settings.ENKASH_CLIENT_SECRET = "not-the-secret"

    exchange = get_client().post(CONFIRM_PATH, {}, req_msg_id="3" * 32)

    assert exchange.status_code is None
    assert exchange.error.startswith("token endpoint answered 401")
    assert exchange.retryable
    assert enkash.received == []


def test_read_timeout_is_an_error_without_status(enkash):
    enkash.faults.delay = 3.0  # longer than the 1 s read timeout of the fixture

    started = time.monotonic()
    exchange = get_client().post(CONFIRM_PATH, {}, req_msg_id="4" * 32)

    assert time.monotonic() - started < 2.5
    assert exchange.status_code is None
    assert exchange.error.startswith("ReadTimeout")
    assert exchange.retryable


def test_refused_connection_is_an_error(enkash):
    enkash.stop()

    exchange = get_client().post(CONFIRM_PATH, {}, req_msg_id="5" * 32)

    assert exchange.status_code is None
    assert exchange.error.startswith("token endpoint unreachable: ConnectError")


def test_5xx_is_retryable_4xx_is_final(enkash):
    enkash.faults.fail_next(1, status=502)
    enkash.faults.refuse_next(1, code="STALE_VERSION", detail="Version 1 is not current",
                              field="invoiceConfirmation.objectVersion")  # fmt: skip
    client = get_client()

    bad_gateway = client.post(CONFIRM_PATH, {}, req_msg_id="6" * 32)
    refused = client.post(CONFIRM_PATH, {}, req_msg_id="7" * 32)

    assert (bad_gateway.status_code, bad_gateway.retryable) == (502, True)
    assert (refused.status_code, refused.retryable) == (400, False)
    assert refused.payload["payload"]["resp"] == {
        "reqMsgId": "7" * 32,
        "result": "FAILURE",
        "errorCd": "STALE_VERSION",
        "errorDtl": "Version 1 is not current",
        "errorField": "invoiceConfirmation.objectVersion",
    }


def test_aes_round_trip():
    key = "0123456789abcdef"
    plaintext = json.dumps({"buyerRemarks": "माल प्राप्त हुआ", "n": 1}).encode()

    sealed = encrypt_payload(plaintext, key)

    assert sealed != plaintext.decode()
    assert decrypt_payload(sealed, key) == plaintext
    # ECB with PKCS#5 padding: deterministic, whole 16-byte blocks.
    assert encrypt_payload(plaintext, key) == sealed
    assert len(base64.b64decode(sealed)) % 16 == 0
    with pytest.raises(ValueError):
        decrypt_payload(sealed, "fedcba9876543210")


def test_encrypted_call_through_the_sandbox(enkash, settings):
    settings.ENKASH_ENCRYPTION_KEY = enkash.encryption_key = "k" * 16
    body = confirmation_body()

    exchange = get_client().post(CONFIRM_PATH, body, req_msg_id="8" * 32)

    [received] = enkash.wait_for(1)
    wire = json.loads(received.raw)
    assert list(wire) == ["request"]
    assert json.loads(decrypt_payload(wire["request"], "k" * 16)) == body
    assert received.body == body
    assert exchange.status_code == 200
    assert exchange.payload["payload"]["reqMsgId"] == "8" * 32  # the answer was decrypted
    assert json.loads(exchange.request_body) == body


def test_token_lifetime_shapes():
    assert token_lifetime({"expires_in": 600}) == 600
    assert token_lifetime({"expiry": 300_000}) == 300
    in_ten_minutes = (time.time() + 600) * 1000
    assert 598 < token_lifetime({"expiry": in_ten_minutes}) <= 600
    assert token_lifetime({}) == enkash_client.DEFAULT_TOKEN_LIFETIME


def test_token_request_body_shape(enkash):
    """We ask for a token as EnKash's other APIs do: accessKey and secretKey."""
    get_client().post(CONFIRM_PATH, {}, req_msg_id="9" * 32)

    assert enkash.token_requests == [
        {"accessKey": OUTBOUND_CLIENT_ID, "secretKey": enkash_client.settings.ENKASH_CLIENT_SECRET}
    ]


@pytest.mark.parametrize("key", ["k" * 15, "k" * 24, "k" * 32])
def test_an_encryption_key_other_than_aes_128_is_refused(key):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="16 bytes"):
        encrypt_payload(b"{}", key)


def test_calls_made_together_take_about_as_long_as_one(enkash):
    """A lot's calls are made at once, each from a thread of the pool: EnKash works on all."""
    enkash.faults.delay = 0.4  # each answer, under the 1 s read timeout of the fixture
    client = get_client()
    calls = [client.prepare(CONFIRM_PATH, {"n": n}, f"{n:032d}") for n in range(8)]

    started = time.monotonic()
    exchanges = client.post_all(calls)

    assert time.monotonic() - started < 1.2  # one after the other: 8 x 0.4 s
    assert [e.status_code for e in exchanges] == [200] * 8
    assert [e.payload["payload"]["reqMsgId"] for e in exchanges] == [c.req_msg_id for c in calls]
    assert sorted(r.req_msg_id for r in enkash.received) == [c.req_msg_id for c in calls]
    assert [json.loads(e.request_body) for e in exchanges] == [{"n": n} for n in range(8)]


def test_a_dropped_connection_is_an_error_and_never_reused(enkash):
    client = get_client()
    assert client.post(CONFIRM_PATH, {}, req_msg_id="6" * 32).status_code == 200
    enkash.faults.drop_next(1)

    dropped = client.post(CONFIRM_PATH, {}, req_msg_id="7" * 32)
    after = client.post(CONFIRM_PATH, {}, req_msg_id="8" * 32)

    assert dropped.status_code is None
    assert dropped.error == "RemoteProtocolError: Server disconnected without sending a response."
    assert dropped.retryable
    assert (after.status_code, after.error) == (200, "")
    assert [(r.req_msg_id, r.status) for r in enkash.received] == [
        ("6" * 32, 200), ("7" * 32, None), ("8" * 32, 200)
    ]  # fmt: skip


def test_one_slow_answer_times_out_alone(enkash):
    """A lot's read timeouts are each call's own: the quick answers are kept."""
    client = get_client()
    calls = [client.prepare(CONFIRM_PATH, {}, f"{n:032d}") for n in range(3)]
    slow = calls[1].req_msg_id

    def answer(received):
        if received.req_msg_id == slow:
            enkash.sleep(1.5)  # past the 1 s read timeout
        return None

    enkash.on_request = answer
    exchanges = client.post_all(calls)

    assert [e.status_code for e in exchanges] == [200, None, 200]
    assert exchanges[1].error.startswith("ReadTimeout")


class _RecordingProxy(BaseHTTPRequestHandler):
    """A forward proxy for plain HTTP: notes each request's target, passes it on."""

    targets: list[str] = []

    def do_POST(self):
        self.targets.append(self.path)  # the absolute URL, as a client sends it to a proxy
        body = self.rfile.read(int(self.headers["Content-Length"]))
        target = urlsplit(self.path)
        upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=5)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "proxy-connection"}
        upstream.request("POST", target.path, body=body, headers=headers)
        answer = upstream.getresponse()
        raw = answer.read()
        upstream.close()
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


def test_calls_go_through_the_proxy_the_environment_names(enkash, monkeypatch):
    """httpx reads HTTP(S)_PROXY: EnKash is reached through the proxy a deployment sets."""
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _RecordingProxy)
    _RecordingProxy.targets = []
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    body = confirmation_body()
    try:
        exchange = get_client().post(CONFIRM_PATH, body, req_msg_id="p" * 32)
    finally:
        proxy.shutdown()
        proxy.server_close()

    assert exchange.status_code == 200
    assert _RecordingProxy.targets == [
        enkash.url + "/api/v0/auth/token",
        enkash.url + CONFIRM_PATH,
    ]
    [received] = enkash.wait_for(1)
    assert (received.req_msg_id, received.body) == ("p" * 32, body)


def test_new_settings_let_the_previous_clients_call_threads_end(enkash, settings):
    """A process whose settings change (tests do) does not keep every old client's threads."""
    before = set(threading.enumerate())
    old = get_client()
    old.post_all([old.prepare(CONFIRM_PATH, {}, f"{n:032d}") for n in range(4)])
    call_threads = {t for t in set(threading.enumerate()) - before if t.name.startswith("enkash")}
    assert 1 <= len(call_threads) <= 4  # started as calls needed them

    settings.ENKASH_READ_TIMEOUT = 2.0
    new = get_client()
    for thread in call_threads:
        thread.join(timeout=2)

    assert new is not old
    assert [thread for thread in call_threads if thread.is_alive()] == []
    assert new.post(CONFIRM_PATH, {}, req_msg_id="n" * 32).status_code == 200


def test_the_client_keeps_call_threads_for_every_job_a_worker_may_run(enkash, settings):
    """Batches of ENKASH_DELIVERY_BATCH_SIZE calls from ENKASH_WORKER_CONCURRENCY jobs at
    once: none waits for a thread past the call's length a SENDING claim allows."""
    settings.ENKASH_DELIVERY_BATCH_SIZE, settings.ENKASH_WORKER_CONCURRENCY = 3, 5
    assert get_client().config.calls_at_once == 15


@pytest.mark.parametrize("concurrency", [0, 5])
def test_a_worker_refuses_more_jobs_at_once_than_the_client_has_threads_for(settings, concurrency):
    from django.core.management import CommandError, call_command

    settings.ENKASH_WORKER_CONCURRENCY = 4
    with pytest.raises(CommandError, match=r"--concurrency must be 1 to .* \(4\)"):
        call_command("run_worker", "--concurrency", str(concurrency))


def test_a_worker_makes_its_client_before_taking_a_job(settings, monkeypatch, tmp_path):
    """The client (its TLS context read from the trust store) is made when the worker
    starts, not by the first delivery: a trust store that cannot be read stops the
    worker with the reason, before any job is taken."""
    from django.core.management import CommandError, call_command

    missing = tmp_path / "no-such-bundle.pem"
    monkeypatch.setenv("SSL_CERT_FILE", str(missing))
    settings.ENKASH_BASE_URL = "https://enkash.invalid"  # a client no earlier test made
    with pytest.raises(CommandError, match=r"The EnKash client could not be made: .*No such file"):
        call_command("run_worker", "--concurrency", "1")
    assert not any(client.config.base_url == "https://enkash.invalid"
                   for client in enkash_client._clients.values())  # fmt: skip
