"""Start a web app server as a child process that stops with its parent.

The child is tied to this process three ways, so no server is left holding a port: on Linux
the kernel sends it SIGTERM when this process dies for any reason (``PR_SET_PDEATHSIG``,
even after SIGKILL); a SIGTERM or SIGHUP to this process stops it; and Ctrl-C or any exit
from :func:`run_child` terminates it (then kills it if it does not stop within 5 s).
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1   # linux/prctl.h


def _die_with_parent() -> None:       # runs in the child between fork and exec
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the other two ties still hold
        pass


def stop(proc: subprocess.Popen, timeout: float = 5.0) -> None:
    """Terminate ``proc`` and wait; kill it if it does not stop in ``timeout`` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start_child(cmd: list[str], **popen) -> subprocess.Popen:
    """Start ``cmd``; on Linux the kernel stops it when this process dies. The caller
    stops it (:func:`stop`) in a ``finally``."""
    return subprocess.Popen(cmd, preexec_fn=_die_with_parent if sys.platform == "linux" else None,
                            **popen)


def run_child(cmd: list[str], **popen) -> int:
    """Run ``cmd`` until it exits or this process is interrupted; return its exit status
    (0 after Ctrl-C or SIGTERM)."""
    proc = start_child(cmd, **popen)

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop(proc)
        for s, handler in previous.items():
            signal.signal(s, handler)


# Solara's own chatter, off: the check for a newer version on PyPI (it prints "pip install
# solara==..." advice that would break the pinned, offline set-up), its usage telemetry, and
# its warning that a plain-http server on loopback cannot set samesite=none cookies, and its
# check of the hooks of Mesa 3.3's own components (a Mesa matter, not a user's).
SOLARA_QUIET = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
                "PYTHONWARNINGS": "ignore:Cookies with samesite=none require https,"
                                  "ignore::UserWarning:solara.validate_hooks"}


def serve_solara(app: Path, host: str, port: int, env: dict | None = None) -> int:
    """Serve a solara app file until interrupted; the server stops with this process.
    ``env``: extra environment variables for the app."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, **SOLARA_QUIET, **(env or {}), "PYTHONPATH": os.pathsep.join(
        p for p in (str(root), os.environ.get("PYTHONPATH", "")) if p)}
    return run_child([sys.executable, "-m", "solara", "run", str(app), "--host", host,
                      "--port", str(port), "--production", "--no-open", "--no-check-version"],
                     cwd=root, env=env)


def dashboard(host: str = "127.0.0.1", port: int = 8765, scenario: str = "stability-ai") -> int:
    """The live dashboard (``dashboard.py`` beside this file) of ``scenario`` on ``host:port``."""
    return serve_solara(Path(__file__).with_name("dashboard.py"), host, port,
                        {"GOVSIM_SCENARIO": scenario})
