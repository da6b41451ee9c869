"""The classroom: a run told as a story (``story``), the counterfactual lessons
(``lessons``), the play-the-CEO game (``game``: the one engine, with its ``debrief``) played
in a terminal (``play``) or by a whole class in the browser (``classroom``), the live
dashboard (``dashboard``, served by ``launch``) and the causal-loop diagram (``loops``).

May import: :mod:`model`, :mod:`experiments.runs` and :mod:`experiments.analysis`. Nothing
outside the command line imports it.
"""
