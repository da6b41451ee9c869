"""The classroom: a run told as a story (``story``), the counterfactual lessons
(``lessons``), playing the CEO (``play``), the live dashboard (``dashboard``, served by
``launch``) and the causal-loop diagram (``loops``).

May import: :mod:`model`, :mod:`experiments.runs` and :mod:`experiments.analysis`. Nothing
outside the command line imports it.
"""
