"""Progress of a long job: a bar with rate and ETA on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time


class Progress:
    """A progress bar with rate and ETA on a terminal; plain periodic lines otherwise."""

    def __init__(self, total: int, initial: int = 0, stream=None, label: str = "sweep",
                 unit: str = "run") -> None:
        self.total, self.count = total, initial
        self.label, self.unit = label, unit
        self.stream = stream or sys.stderr
        self.start, self.last = time.monotonic(), 0.0
        self.first = initial
        self.bar = None
        if self.stream.isatty():
            from tqdm import tqdm
            self.bar = tqdm(total=total, initial=initial, unit=unit, file=self.stream,
                            dynamic_ncols=True, smoothing=0.1)

    def update(self, n: int) -> None:
        self.count += n
        if self.bar is not None:
            self.bar.update(n)
            return
        now = time.monotonic()
        if now - self.last >= 10.0 or self.count >= self.total:
            self.last = now
            rate = (self.count - self.first) / max(now - self.start, 1e-9)
            eta = (self.total - self.count) / rate if rate > 0 else float("inf")
            print(f"{self.label}: {self.count}/{self.total} {self.unit}s "
                  f"({self.count / self.total:.0%}), {rate:.1f} {self.unit}s/s, ETA {eta:.0f} s",
                  file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

