"""Where a sweep's batches run: local processes, or a dask.distributed cluster.

Both offer the same three calls (``submit``, ``wait_one``, ``close``) and a number of
``slots`` (how many batches to keep in flight per worker).
"""

from __future__ import annotations

from experiments.runs.store import SweepError


class LocalExecutor:
    """Local processes through concurrent.futures (jobs=1: this process)."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.pool = None
        if jobs > 1:
            import multiprocessing
            import threading
            from concurrent.futures import ProcessPoolExecutor
            # Fork (instant: the workers inherit the imported model) when this process has
            # no other threads, where it is safe; otherwise a fork server that imports the
            # model once. Spawn would re-import everything in every worker.
            methods = multiprocessing.get_all_start_methods()
            if "fork" in methods and threading.active_count() == 1:
                ctx = multiprocessing.get_context("fork")
            elif "forkserver" in methods:
                ctx = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload(["experiments.runs.sweep"])
            else:
                ctx = multiprocessing.get_context("spawn")
            self.pool = ProcessPoolExecutor(jobs, mp_context=ctx)

    @property
    def slots(self) -> int:
        return self.jobs

    def submit(self, fn, *args):
        if self.pool is None:
            from concurrent.futures import Future
            f = Future()
            f.set_result(fn(*args))
            return f
        return self.pool.submit(fn, *args)

    def wait_one(self, futures):
        from concurrent.futures import FIRST_COMPLETED, wait
        done, _ = wait(futures, return_when=FIRST_COMPLETED)
        return done

    def close(self, cancel: bool = False) -> None:
        """Wait for the workers; ``cancel``: stop them now (their batches are lost, not
        half-stored: a part lands whole or not at all)."""
        if self.pool is None:
            return
        procs = list((getattr(self.pool, "_processes", None) or {}).values()) if cancel else []
        self.pool.shutdown(wait=not cancel, cancel_futures=cancel)
        for proc in procs:        # batches already handed to a worker would still land
            proc.terminate()
        for proc in procs:
            proc.join()


class DaskExecutor:
    """A dask.distributed cluster: ``tcp://HOST:PORT`` or ``local:N`` (a LocalCluster)."""

    def __init__(self, address: str) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise SweepError("--scheduler needs dask.distributed: pip install -e '.[cluster]'") from None
        self.cluster = None
        if address.startswith("local:"):
            try:
                n = int(address.split(":", 1)[1])
            except ValueError:
                n = 0
            if n <= 0:
                raise SweepError(f"--scheduler {address}: expected local:N with N > 0 workers")
            # silence_logs: workers shutting down at the end of a sweep may log a lost
            # heartbeat with a traceback; that is noise to the user, not an error
            import logging
            self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                        dashboard_address=None, host="127.0.0.1",
                                        silence_logs=logging.CRITICAL)
            self.client = Client(self.cluster)
        else:
            if not address.startswith("tcp://"):
                raise SweepError(f"--scheduler {address!r}: expected tcp://HOST:PORT or local:N")
            try:
                self.client = Client(address, timeout="5s")
            except (OSError, TimeoutError) as exc:
                raise SweepError(f"--scheduler {address}: cannot reach the scheduler "
                                 f"({type(exc).__name__})") from None
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))

    @property
    def slots(self) -> int:
        return self.workers

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def wait_one(self, futures):
        from dask.distributed import wait
        res = wait(list(futures), return_when="FIRST_COMPLETED")
        return set(res.done)

    def close(self, cancel: bool = False) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

