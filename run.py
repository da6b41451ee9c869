#!/usr/bin/env python3
"""Command line of the startup governance simulation: ``python run.py COMMAND [options]``.

    python run.py scenarios | params | simulate | validate | sweep | runs | compare | plot
                  | sensitivity | story | lessons | play | dashboard | bench   (--help on each)

The front end lives in :mod:`experiments.cli` (also installed as the ``govsim`` command);
outputs go under ``results/`` beside this file. Bad input prints one line starting with
"error:" and exits with status 2.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from experiments.cli import main as _main  # noqa: E402


def main(argv=None) -> int:
    return _main(argv, results=ROOT / "results", prog="run.py")


if __name__ == "__main__":
    sys.exit(main())
