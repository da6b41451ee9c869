"""Calibration as inference: which behavioural parameters the case's record can pin down,
and how tightly. Priors per parameter path (``priors``), Morris elementary-effects screening
of all of them against per-run statistics (``screening``), our own seeded ABC-SMC
(population Monte Carlo with adaptive tolerance) whose results are byte-identical for a
given root seed whatever the number of workers, stored generation by generation and
resumable (``abc``, with its ordered process pool in ``parallel``), the report on a finished
posterior (``report``: marginals, correlations and equifinality, narrowing, point estimate,
draws for sweeps), adopting a posterior as a scenario's calibrated values (``adopt``) and the
glue to the model and the case's facts (``engine``:
:func:`experiments.calibration.engine.calibrate`).

May import: :mod:`model`, :mod:`experiments.runs`, :mod:`experiments.analysis`, the
standard library and the data stack (numpy, scipy, pandas, pyarrow, matplotlib, SALib).
Never :mod:`experiments.teaching`, the benchmarks or the command line.
"""
