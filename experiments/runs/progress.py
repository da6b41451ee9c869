"""Progress of a long job, on standard error: a bar with rate and ETA on a terminal, a plain
line every 10 seconds otherwise (none for a job shorter than that, so logs of quick commands
stay clean).

Library code that takes no progress argument (validation, the generated docs) is followed
with :func:`counting`: inside it, every model run made through
:func:`experiments.runs.runner.simulate` counts one step (:func:`tick`).
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager

EVERY = 10.0          # s between plain lines (and before the first)


class Progress:
    """A progress bar with rate and ETA on a terminal; plain periodic lines otherwise.
    ``total`` None: a count without share or ETA (work of unknown size)."""

    def __init__(self, total: int | None, initial: int = 0, stream=None, label: str = "sweep",
                 unit: str = "run") -> None:
        self.total, self.count = total, initial
        self.label, self.unit = label, unit
        self.stream = stream or sys.stderr
        self.start = self.last = time.monotonic()
        self.first = initial
        self.printed = False
        self.bar = None
        if self.stream.isatty():
            from tqdm import tqdm
            self.bar = tqdm(total=total, initial=initial, unit=unit, file=self.stream,
                            desc=label, dynamic_ncols=True, smoothing=0.1)

    def update(self, n: int) -> None:
        self.count += n
        if self.bar is not None:
            self.bar.update(n)
            return
        now = time.monotonic()
        last = self.total is not None and self.count >= self.total
        if now - self.last >= EVERY or (last and self.printed):
            self.last, self.printed = now, True
            rate = (self.count - self.first) / max(now - self.start, 1e-9)
            if self.total is None:
                print(f"{self.label}: {self.count} {self.unit}s, {rate:.1f} {self.unit}s/s",
                      file=self.stream, flush=True)
                return
            eta = (self.total - self.count) / rate if rate > 0 else float("inf")
            print(f"{self.label}: {self.count}/{self.total} {self.unit}s "
                  f"({self.count / self.total:.0%}), {rate:.1f} {self.unit}s/s, ETA {eta:.0f} s",
                  file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


_ACTIVE: list[Progress] = []


@contextmanager
def counting(total: int | None, label: str, unit: str = "run", enabled: bool = True):
    """Show the progress of the code run inside: each :func:`tick` is one step."""
    bar = Progress(total, label=label, unit=unit) if enabled else None
    if bar is not None:
        _ACTIVE.append(bar)
    try:
        yield bar
    finally:
        if bar is not None:
            _ACTIVE.remove(bar)
            bar.close()


def tick(n: int = 1) -> None:
    """One step of the innermost :func:`counting` (nothing outside one)."""
    if _ACTIVE:
        _ACTIVE[-1].update(n)
