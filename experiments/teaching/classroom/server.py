"""The classroom's HTTP server (standard library ``http.server``, one thread per request):
the student and teacher pages from ``pages/`` and a small JSON API.

Student API (header ``X-Token``: the resume code given at joining):
``POST /api/join {name, code, resume?}``, ``GET /api/state``,
``POST /api/decide {month, answers}``, ``GET /api/debrief``.
Teacher API (header ``X-Teacher`` or ``?t=``: the teacher code):
``GET /api/teacher/overview``, ``POST /api/teacher/pause {paused}``,
``POST /api/teacher/debrief``, ``GET /api/teacher/class-debrief``,
``GET /api/teacher/decisions.csv``, ``GET /api/teacher/figure/NAME.png``.
Every refusal is a JSON ``{"error": sentence}`` with a 4xx status; nothing a client sends
stops the server.

The server runs inside the process that starts it (``run.py classroom``), so it stops with
it; SIGTERM and SIGHUP stop it cleanly (the database is closed, the port released).
"""

from __future__ import annotations

import json
import math
import signal
import socket
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import parse_qs, urlparse

from experiments.teaching.classroom.session import Classroom, ClassroomError

PAGES = {"/": ("student.html", "text/html; charset=utf-8"),
         "/teacher": ("teacher.html", "text/html; charset=utf-8"),
         "/static/app.css": ("app.css", "text/css; charset=utf-8"),
         "/static/charts.js": ("charts.js", "text/javascript; charset=utf-8")}
MAX_BODY = 64 * 1024       # bytes; a month's decisions are a few hundred


def _clean(x):
    """JSON-safe: non-finite floats become null, numpy scalars plain numbers."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if hasattr(x, "item") and not isinstance(x, (str, bytes)):
        return _clean(x.item())
    return x


def _plain(x):
    """numpy scalars as plain numbers (json's ``default``)."""
    if hasattr(x, "item"):
        return x.item()
    raise TypeError(f"{type(x).__name__} is not JSON")


def _page(name: str) -> bytes:
    return resources.files(__package__).joinpath("pages", name).read_bytes()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "classroom"
    classroom: Classroom          # set on the subclass made by make_server

    def log_message(self, fmt, *args):   # quiet: the teacher's terminal shows the codes
        pass

    # -- replies
    def _send(self, status: int, body: bytes, ctype: str, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data) -> None:
        try:            # fast path; the slow walk only when a value is not finite
            text = json.dumps(data, allow_nan=False, default=_plain)
        except ValueError:
            text = json.dumps(_clean(data))
        self._send(status, text.encode(), "application/json")

    def _body(self) -> dict:
        try:
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise ClassroomError(400, "bad Content-Length") from None
        if n > MAX_BODY:
            raise ClassroomError(413, f"request too large (over {MAX_BODY} bytes)")
        raw = self.rfile.read(n) if n > 0 else b""
        try:
            data = json.loads(raw or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise ClassroomError(400, "malformed request: the body must be JSON") from None
        if not isinstance(data, dict):
            raise ClassroomError(400, "malformed request: the body must be a JSON object")
        return data

    # -- dispatch
    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def _handle(self, method: str) -> None:
        url = urlparse(self.path)
        path, query = url.path.rstrip("/") or "/", parse_qs(url.query)
        c = self.classroom
        try:
            if method == "GET" and path in PAGES:
                name, ctype = PAGES[path]
                return self._send(200, _page(name), ctype)
            body = self._body() if method == "POST" else {}
            token = self.headers.get("X-Token")
            if path.startswith("/api/teacher/"):
                c.check_teacher(self.headers.get("X-Teacher") or (query.get("t") or [""])[0])
                return self._teacher(method, path.removeprefix("/api/teacher/"), body)
            route = (method, path)
            if route == ("POST", "/api/join"):
                return self._json(200, c.join(body.get("name"), body.get("code"),
                                              body.get("resume")))
            if route == ("GET", "/api/state"):
                return self._json(200, c.state(token))
            if route == ("POST", "/api/decide"):
                return self._json(200, c.decide(token, body.get("month"), body.get("answers")))
            if route == ("GET", "/api/debrief"):
                return self._json(200, c.debrief(token))
            raise ClassroomError(404 if method == "GET" else 405, f"no such page: {method} {path}")
        except ClassroomError as exc:
            self._json(exc.status, {"error": str(exc)})
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as exc:      # a bug: the page gets a sentence, the terminal the trace
            traceback.print_exc(file=sys.stderr)
            try:
                self._json(500, {"error": f"internal error ({type(exc).__name__}); your game "
                                          f"is saved, try again"})
            except OSError:
                pass

    def _teacher(self, method: str, what: str, body: dict) -> None:
        c = self.classroom
        if (method, what) == ("GET", "overview"):
            return self._json(200, c.overview())
        if (method, what) == ("POST", "pause"):
            paused = body.get("paused")
            if not isinstance(paused, bool):
                raise ClassroomError(400, "pause takes {\"paused\": true|false}")
            c.set_paused(paused)
            return self._json(200, c.overview())
        if (method, what) == ("POST", "debrief"):
            c.everyone_to_debrief()
            return self._json(200, c.overview())
        if (method, what) == ("GET", "class-debrief"):
            return self._json(200, c.class_debrief())
        if (method, what) == ("GET", "decisions.csv"):
            return self._send(200, c.decisions_csv().encode(), "text/csv; charset=utf-8", {
                "Content-Disposition": f'attachment; filename="decisions-{c.join_code}.csv"'})
        if method == "GET" and what.startswith("figure/") and what.endswith(".png"):
            return self._send(200, c.figure(what[len("figure/"):-len(".png")]), "image/png")
        raise ClassroomError(404, f"no such teacher page: {what}")


class Server(ThreadingHTTPServer):
    daemon_threads = True            # a hung client never keeps the process alive
    allow_reuse_address = True
    request_queue_size = 128         # a whole class connecting at once (the default is 5)


def make_server(classroom: Classroom, host: str, port: int) -> Server:
    handler = type("BoundHandler", (Handler,), {"classroom": classroom})
    return Server((host, port), handler)


def lan_address() -> str:
    """This machine's address on the local network (no packet is sent), else loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def serve(classroom: Classroom, host: str, port: int, write=print) -> int:
    """Serve until Ctrl-C, SIGTERM or SIGHUP; the port is released on the way out."""
    n = classroom.reference_runs
    write(f"preparing the debriefs: {n} simulated founders of {classroom.scenario_name} and of "
          f"the counterfactuals ...")
    t0 = time.perf_counter()
    classroom.references()               # now, so that no request waits for it in class
    write(f"  ready in {time.perf_counter() - t0:.0f} s (kept in the database for a restart)")
    server = make_server(classroom, host, port)
    shown = lan_address() if host in ("0.0.0.0", "") else host
    base = f"http://{shown}:{server.server_address[1]}"
    write(f"students open {base}/  join code {classroom.join_code}")
    write(f"teacher page  {base}/teacher  teacher code {classroom.teacher_code}")
    write("(Ctrl-C to stop; restarting with the same command resumes every game)")

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        classroom.store.close()
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 0
