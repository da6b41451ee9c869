"""Everything done *with* the model, by concern:

- :mod:`experiments.runs`: running the model and keeping what it produced (one run's files,
  seeds, designs, sweeps and their store).
- :mod:`experiments.analysis`: reading runs and sweeps (validation against a case's facts,
  statistics, comparisons, sensitivity, figures, reports).
- :mod:`experiments.calibration`: calibration as inference (screening, ABC-SMC, posterior
  report, adopting the posterior as a scenario's calibrated values).
- :mod:`experiments.teaching`: the classroom tools (story, play, lessons, dashboard, loops).
- :mod:`experiments.bench`: benchmarks; nothing else imports them.
- :mod:`experiments.cli`: the command line (``run.py`` and ``govsim``), the only module that
  imports all of the above.

Dependencies flow one way: teaching -> analysis -> runs -> model, and calibration ->
analysis. Nothing in ``model/`` imports from here.
"""
