"""An ordered process pool for calibration: results are consumed in submission order, so
what is computed never depends on the number of workers or on their timing.

Workers are forked when this process has no other threads (instant: they inherit the
imported model), otherwise started by a fork server; they ignore SIGINT, so Ctrl-C reaches
only the coordinator, which cancels what is pending and keeps what it has stored.
"""

from __future__ import annotations

import signal


def _quiet_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class OrderedPool:
    """``jobs`` worker processes (``jobs <= 1``: this process, no pool)."""

    def __init__(self, jobs: int = 1) -> None:
        self.jobs = max(1, int(jobs))
        self.pool = None
        if self.jobs > 1:
            import multiprocessing
            import threading
            from concurrent.futures import ProcessPoolExecutor
            methods = multiprocessing.get_all_start_methods()
            if "fork" in methods and threading.active_count() == 1:
                ctx = multiprocessing.get_context("fork")
            elif "forkserver" in methods:
                ctx = multiprocessing.get_context("forkserver")
            else:
                ctx = multiprocessing.get_context("spawn")
            self.pool = ProcessPoolExecutor(self.jobs, mp_context=ctx,
                                            initializer=_quiet_worker)

    def submit(self, fn, *args):
        from concurrent.futures import Future
        if self.pool is None:
            f = Future()
            try:
                f.set_result(fn(*args))
            except Exception as exc:     # noqa: BLE001 - handed to the caller via result()
                f.set_exception(exc)
            return f
        return self.pool.submit(fn, *args)

    def map(self, fn, items, ahead: int | None = None, on_result=None) -> list:
        """``[fn(*item) for item in items]`` in order, ``ahead`` tasks in flight per worker."""
        items = list(items)
        ahead = max(1, (ahead or 2) * self.jobs)
        out, futures, nxt = [], {}, 0
        for i in range(len(items)):
            while nxt < len(items) and nxt < i + ahead:
                futures[nxt] = self.submit(fn, *items[nxt])
                nxt += 1
            out.append(futures.pop(i).result())
            if on_result is not None:
                on_result(i, out[-1])
        return out

    def close(self, cancel: bool = False) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=not cancel, cancel_futures=cancel)
            self.pool = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close(cancel=exc_type is not None)
        return False
