"""Hostile clients of the drawing server: each test is an attack and the answer
it must get. Every request gets an HTTP answer in JSON, a client's error is a
4xx (never a 500), and the connection is never left out of step. All traffic
stays on 127.0.0.1, bounded in count and time."""

import io
import json
import socket
import sys
import tracemalloc
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from draw_helpers import canvas_body, paper, request, serving


def raw_exchange(server, data: bytes, *, timeout=10) -> bytes:
    """Send raw bytes, and read everything until the server closes."""
    with socket.create_connection(server.server_address[:2], timeout=timeout) as conn:
        conn.sendall(data)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def responses(raw: bytes) -> list[tuple[int, dict]]:
    """The (status, JSON body) of each HTTP response in ``raw``."""
    found = []
    while raw:
        head, _, rest = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = dict(line.split(": ", 1) for line in lines[1:])
        length = int(headers["Content-Length"])
        found.append((status, json.loads(rest[:length])))
        raw = rest[length:]
    return found


def drawn_one():
    canvas = paper()
    canvas[20:120, 40:52] = 0
    return canvas


# 7. A burst of clients: every one answered ----------------------------------------


def test_200_parallel_clients_all_get_an_answer_in_bounded_memory(server):
    body = canvas_body(drawn_one())

    def client(_):
        try:
            status, reply = request(server, "POST", "/read", body)
        except OSError as exc:  # a reset, a refusal: no HTTP answer
            return type(exc).__name__
        return status if reply.get("text") == "0" else f"{status}: {reply}"

    tracemalloc.start()
    try:
        with ThreadPoolExecutor(max_workers=200) as pool:
            answers = list(pool.map(client, range(200)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert answers == [200] * 200
    # Two canvases are read at a time, whatever the number of clients.
    assert peak < 64 * 2**20
    # Still responsive after the burst.
    assert request(server, "GET", "/model")[0] == 200


# 8. Client errors are 4xx, never 500 ----------------------------------------------


def test_json_nested_100000_deep_is_a_client_error(server):
    status, reply = request(server, "POST", "/read", b"[" * 100_000 + b"]" * 100_000)
    assert status == 400
    assert "nested too deeply" in reply["error"]


def test_a_width_of_5000_digits_is_a_client_error(server):
    body = b'{"width": ' + b"9" * 5000 + b', "height": 2, "pixels": ""}'
    status, reply = request(server, "POST", "/read", body)
    assert status == 400
    assert "not valid JSON" in reply["error"]


# 9. A broken model's NaN never reaches the page as "JSON" -----------------------


def test_a_model_giving_nan_gets_a_json_error_not_nan_literals():
    class Diverged:
        classes_ = np.arange(10)

        def predict_proba(self, X):
            return np.full((len(X), 10), np.nan)

    with serving(Diverged()) as server:
        status, reply = request(server, "POST", "/read", canvas_body(drawn_one()))
    assert status == 500  # the model's failure, not the client's
    assert "NaN" in reply["error"]  # and the reply parsed as strict JSON


# 10. HTTP hygiene ----------------------------------------------------------------


def post(body: bytes, *headers: str) -> bytes:
    head = "".join(f"{h}\r\n" for h in headers)
    return b"POST /read HTTP/1.1\r\nHost: x\r\n" + head.encode() + b"\r\n" + body


def test_two_content_lengths_are_refused_and_the_rest_not_read(server):
    body = canvas_body(drawn_one())
    extra = b"GET /model HTTP/1.1\r\nHost: x\r\n\r\n"
    raw = raw_exchange(
        server,
        post(body + extra, f"Content-Length: {len(body)}", "Content-Length: 5"),
    )
    [(status, reply)] = responses(raw)  # one answer, and the connection closed
    assert status == 400
    assert "more than once" in reply["error"]


def test_a_length_shorter_than_the_body_does_not_desync_the_connection(server):
    body = canvas_body(drawn_one())
    smuggled = b"GET /model HTTP/1.1\r\nHost: x\r\n\r\n"
    raw = raw_exchange(
        server, post(body + smuggled, f"Content-Length: {len(body) - 10}")
    )
    [(status, _)] = responses(raw)  # the tail is not read as a request
    assert status == 400


@pytest.mark.parametrize(
    "length", ["+10", "1_0", "0x10", "\u0661\u0660", "-1", "1e3", "10 10"]
)
def test_lengths_that_are_not_plain_digits_are_refused(server, length):
    raw = raw_exchange(server, post(b"0123456789", f"Content-Length: {length}"))
    [(status, reply)] = responses(raw)
    assert status == 400
    assert "Content-Length" in reply["error"]


def test_control_characters_in_a_request_line_are_escaped_in_the_log(
    server, monkeypatch
):
    server.quiet = False
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    raw_exchange(server, b"GET /\x1b[2J\x1b]0;owned\x07 HTTP/1.1\r\nHost: x\r\n\r\n")
    written = log.getvalue()
    assert "\x1b" not in written
    assert "\x07" not in written
    assert "\\x1b[2J" in written


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"FROB /read HTTP/1.1\r\nHost: x\r\n\r\n", 501),  # unknown method
        (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),  # unsupported version
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414),  # line too long
        (
            b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(120)),
            431,
        ),  # too many headers
        (b"GET / HTTP/1.1 extra\r\n\r\n", 400),  # malformed request line
    ],
    ids=["501", "505", "414", "431", "400"],
)
def test_the_standard_librarys_errors_are_json_too(server, data, status):
    [(got, reply)] = responses(raw_exchange(server, data + b"\r\n"))
    assert got == status
    assert isinstance(reply["error"], str)
    assert reply["error"]


def test_the_head_of_an_error_has_no_body(server):
    raw = raw_exchange(server, b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 405")
    assert rest == b""


def test_a_kept_alive_connection_serves_requests_in_turn(server):
    # Hygiene does not cost the normal case: two well-formed requests, one
    # connection, two answers.
    body = canvas_body(drawn_one())
    one = post(body, f"Content-Length: {len(body)}")
    last = b"GET /model HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    [(first, reading), (second, info)] = responses(raw_exchange(server, one + last))
    assert (first, reading["text"]) == (200, "0")
    assert (second, info["description"]) == (200, "bars")


def test_log_lines_are_not_written_while_quiet(server, monkeypatch):
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    raw_exchange(server, b"FROB / HTTP/1.1\r\n\r\n")
    assert log.getvalue() == ""
