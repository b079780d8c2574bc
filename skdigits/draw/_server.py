"""The drawing page's server: Python's own ``http.server``, nothing to build.

``GET /`` is the page (one HTML file, its script and style inline, so it
works offline), ``GET /model`` says which model reads, and ``POST /read``
reads a canvas (see `skdigits.draw._requests`). It listens on 127.0.0.1
unless told otherwise.
"""

import json
import re
import socket
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import urlsplit

from skdigits.draw._models import ServedModel
from skdigits.draw._requests import (
    MAX_BODY_BYTES,
    RequestError,
    class_labels,
    parse_canvas,
    read_canvas,
)

__all__ = ["DrawServer", "make_server"]


# Connections waiting to be accepted: socketserver's 5 reset a burst of
# clients (the page's users, a test of 200 at once) before any is answered.
LISTEN_QUEUE = 256
# Requests read (decoded, segmented, predicted) at once: each holds a canvas
# and its float copies in memory, so more than the cores only costs memory.
READING_SLOTS = 2
# Control characters (and the backslash that escapes them) in what the log
# writes: a request line is the client's text, not the terminal's commands.
_LOG_ESCAPES = str.maketrans(
    {c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7F, 0xA0)]} | {0x5C: "\\\\"}
)
_DIGITS = re.compile(r"[0-9]{1,12}")


class DrawServer(ThreadingHTTPServer):
    """A threading HTTP server that reads drawn digits with one model."""

    daemon_threads = True
    request_queue_size = LISTEN_QUEUE

    def __init__(self, address, model: ServedModel, *, quiet: bool = False):
        self.model = model
        self.quiet = quiet
        # Predictions one at a time: a model's predict_proba need not be
        # thread-safe, and two at once would only share the same cores.
        self.predict_lock = threading.Lock()
        self.reading_slots = threading.BoundedSemaphore(READING_SLOTS)
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.page = resources.files("skdigits.draw").joinpath("page.html").read_bytes()
        super().__init__(address, DrawRequestHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}/"


class DrawRequestHandler(BaseHTTPRequestHandler):
    server: DrawServer
    server_version = "skdigits-draw"
    protocol_version = "HTTP/1.1"
    # A client that stalls mid-request is dropped after this many seconds.
    timeout = 30

    def do_GET(self):
        path = urlsplit(self.path).path
        if path in ("/", "/index.html"):
            self._send(HTTPStatus.OK, self.server.page, "text/html; charset=utf-8")
        elif path == "/model":
            model = self.server.model
            self._send_json(
                HTTPStatus.OK,
                {
                    "description": model.description,
                    "reject_threshold": model.reject_threshold,
                    "reads_whole_fields": model.field_reader is not None,
                    "classes": class_labels(model.estimator.classes_),
                },
            )
        else:
            self._send_error(HTTPStatus.NOT_FOUND, f"There is no page {self.path}.")

    def do_POST(self):
        if urlsplit(self.path).path != "/read":
            # The body is left unread: `_send_error` closes the connection.
            self._send_error(HTTPStatus.NOT_FOUND, f"There is no page {self.path}.")
            return
        try:
            body = self._read_body()
            with self.server.reading_slots:
                canvas = parse_canvas(body)
                del body
                with self.server.predict_lock:
                    reading = read_canvas(canvas, self.server.model)
        except RequestError as exc:
            self._send_error(exc.status, str(exc))
            return
        except TimeoutError:
            self.close_connection = True
            return
        except Exception as exc:  # the page must get an answer
            self.log_error("reading failed: %r", exc)
            self._send_error(
                HTTPStatus.INTERNAL_SERVER_ERROR, f"The model failed to read: {exc}"
            )
            return
        self._send_json(HTTPStatus.OK, reading)

    def _method_not_allowed(self):
        self._send_error(HTTPStatus.METHOD_NOT_ALLOWED, "Use GET or POST.")

    do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _method_not_allowed

    def _read_body(self) -> bytes:
        lengths = self.headers.get_all("Content-Length") or []
        if self.headers.get("Transfer-Encoding") or not lengths:
            raise RequestError(HTTPStatus.LENGTH_REQUIRED, "Content-Length is needed.")
        if len(lengths) > 1:
            raise RequestError(
                HTTPStatus.BAD_REQUEST, "Content-Length is given more than once."
            )
        # ASCII digits only: int() would also take "+10", "1_0" and "١٠".
        if not _DIGITS.fullmatch(lengths[0]):
            raise RequestError(
                HTTPStatus.BAD_REQUEST, f"Content-Length {lengths[0]!r} is not valid."
            )
        length = int(lengths[0])
        if length > MAX_BODY_BYTES:
            raise RequestError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"The request is {length} bytes, over the limit of {MAX_BODY_BYTES}.",
            )
        body = self.rfile.read(length)
        if len(body) < length:
            raise RequestError(HTTPStatus.BAD_REQUEST, "The request body is cut short.")
        return body

    def _send_json(self, status: int, payload: dict) -> None:
        try:
            # Strict JSON: NaN and Infinity are no JSON, and the page's
            # reply.json() would throw on them.
            body = json.dumps(payload, allow_nan=False).encode()
        except ValueError as exc:
            self.log_error("an answer that is not JSON: %r", exc)
            status = HTTPStatus.INTERNAL_SERVER_ERROR
            body = json.dumps(
                {"error": f"The answer is not valid JSON: {exc}"}
            ).encode()
        self._send(status, body, "application/json")

    def _send_error(self, status: int, message: str) -> None:
        # After an error, what follows on the connection cannot be trusted to
        # start a request (a body left unread, a wrong length): it is closed.
        self.close_connection = True
        self._send_json(status, {"error": message})

    def send_error(self, code, message=None, explain=None):
        """The standard library's errors (400, 414, 431, 501, 505...) as JSON.

        ``http.server`` answers what it cannot parse with an HTML page; the
        page and other clients get the same JSON ``{"error": ...}`` as from
        every other answer.
        """
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Error"
        self.log_error("code %d, message %s", code, message or phrase)
        # It answers a request line it cannot parse (a version of "HTTP/2.0"
        # or "extra") as HTTP/0.9, without a status line; no client of this
        # server speaks HTTP/0.9, and every one needs the status.
        if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":
            self.request_version = self.protocol_version
        text = message or phrase
        if explain:
            text = f"{text}: {explain}"
        self._send_error(code, text + ("" if text.endswith(".") else "."))

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format, *args):
        if not self.server.quiet:
            message = (format % args).translate(_LOG_ESCAPES)
            sys.stderr.write(f"{self.address_string()} - {message}\n")


def make_server(
    model: ServedModel, *, host: str = "127.0.0.1", port: int = 8000, quiet=False
) -> DrawServer:
    """A server of the drawing page, bound but not yet serving.

    Parameters
    ----------
    model : ServedModel
        What reads the digits (see `load_model` and `default_model`).

    host : str, default="127.0.0.1"
        The address to listen on: this machine only, unless told otherwise.

    port : int, default=8000
        The port; 0 picks a free one (see ``server.url``).

    quiet : bool, default=False
        Whether to keep the request log off standard error.

    Returns
    -------
    server : DrawServer
        Call ``server.serve_forever()``, and ``server.server_close()`` after.
    """
    return DrawServer((host, port), model, quiet=quiet)
