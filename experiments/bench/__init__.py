"""Benchmarks, outside the import graph of the rest: nothing in the project imports them but
the command line (``run.py bench``). ``step``: one baseline run against a trivial Mesa loop;
``sweeps``: sweep throughput, speedup, memory, and ``mesa.batch_run`` side by side.

May import: :mod:`model` and :mod:`experiments.runs` (the library, never ``run.py``).
"""
