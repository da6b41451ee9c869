"""Running the model and keeping what it produced: scenarios by name or file, one run and its
files (``runner``, ``storage``, ``text``), seeds from one root (``seeds``), experimental designs
(``designs``), Monte Carlo sweeps (``sweep``) with their executors, progress and on-disk store
(``executors``, ``progress``, ``store``).

May import: :mod:`model`, the standard library and the data stack (numpy, scipy, pyarrow,
dask). Never :mod:`experiments.analysis`, :mod:`experiments.teaching` or the benchmarks.
"""
