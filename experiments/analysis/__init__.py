"""Reading what runs produced: validation facts as data (``facts``) and validation of a
scenario against its case (``validate``),
statistics over arrays (``statistics``), comparisons of groups of runs (``compare``),
sensitivity (``sensitivity``), an overview of a stored sweep (``overview``), figures
(``plots``) and reports (``report``).

May import: :mod:`model` and :mod:`experiments.runs`. Never :mod:`experiments.teaching` or
the benchmarks.
"""
