"""The browser classroom: a class plays the founder-CEO on one server on the teacher's
laptop. ``store`` keeps every session, student and decision in SQLite as they are made;
``session`` holds the games (the shared engine, :mod:`experiments.teaching.game`) and
answers students and the teacher; ``server`` is the HTTP front end (standard library only)
serving the pages in ``pages/``.

May import: :mod:`model`, :mod:`experiments.runs`, :mod:`experiments.analysis` and the rest
of :mod:`experiments.teaching`.
"""
