"""One classroom session: the students' games (the shared engine) kept in memory and in the
database, and the answers to students and to the teacher.

Every request goes through :class:`Classroom`; a misuse raises :class:`ClassroomError`
with an HTTP status and one sentence for the page. A student is known by the secret
resume code given at joining (kept by the page, shown to the student for another device);
the teacher by the teacher code printed when the server starts.
"""

from __future__ import annotations

import csv
import hmac
import io
import json
import secrets
import sqlite3
import threading

import numpy as np

from experiments.runs.runner import load_scenario
from model.parameters import ParameterError
from experiments.teaching.debrief import Reference, debrief, km_curve, reference
from experiments.teaching.game import KEYS, QUESTIONS, DecisionError, Game
from experiments.teaching.classroom.store import Store

CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"     # no 0/O, 1/I: read aloud, typed by hand
COUNTERFACTUALS = ("disciplined-founder", "board-control")
MAX_NAME = 40


class ClassroomError(Exception):
    """A request the classroom refuses: ``status`` (HTTP) and a one-sentence message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def code(n: int) -> str:
    return "".join(secrets.choice(CODE_LETTERS) for _ in range(n))


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def student_seed(session_seed: int, index: int) -> int:
    """The seed of the ``index``-th student of a session where every student has their own."""
    return int(np.random.SeedSequence([session_seed, index]).generate_state(1)[0])


class Classroom:
    """A session of the classroom (a row of ``sessions``) and its students' games."""

    def __init__(self, store: Store, session, reference_runs: int = 200) -> None:
        self.store, self.reference_runs = store, reference_runs
        self.sid = session["id"]
        self.join_code, self.teacher_code = session["join_code"], session["teacher_code"]
        self.scenario_name = session["scenario"]
        self.sets = json.loads(session["sets"])
        self.seed, self.own_seeds = session["seed"], bool(session["own_seeds"])
        self.scenario = load_scenario(self.scenario_name, self.sets)
        # One lock per game (a student's requests run one at a time; different students'
        # do not wait for each other, nor for the database's disk writes); ``lock`` guards
        # the list of students and the session flags.
        self.lock = threading.RLock()
        self.students: dict[int, dict] = {}        # id -> row as dict
        self.by_token: dict[str, int] = {}
        self.games: dict[int, Game] = {}
        self.game_locks: dict[int, threading.Lock] = {}
        self._packs: dict[int, tuple] = {}         # id -> (months decided, over, pack)
        self._debriefs: dict[int, dict] = {}
        self._paused, self._debrief_all = bool(session["paused"]), bool(session["debrief"])
        self._joining: set[str] = set()             # names being added right now
        rows = store.students(self.sid)
        self._joined = len(rows)                    # students so far (own seeds by join order)
        for row in rows:                            # resume: replay every stored game
            self._register(dict(row), Game(self.scenario, row["seed"], self.sets,
                                           store.decisions(row["id"])))
        if self.debrief_all:
            for g in self.games.values():
                g.stop()

    # -- session state
    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def debrief_all(self) -> bool:
        return self._debrief_all

    @classmethod
    def open(cls, store: Store, scenario: str, sets: list[str], seed: int, own_seeds: bool,
             new: bool = False, join_code: str | None = None, reference_runs: int = 200):
        """The session to serve: ``join_code``'s, else (unless ``new``) the latest of this
        scenario, else a new one. Returns (classroom, resumed)."""
        if join_code:
            row = store.session_by_code(join_code)
            if row is None:
                raise ClassroomError(404, f"no session with join code {join_code.upper()} in "
                                          f"{store.path}")
            return cls(store, row, reference_runs), True
        row = None if new else store.latest_session(scenario)
        if row is not None:
            return cls(store, row, reference_runs), True
        load_scenario(scenario, sets)                  # bad scenario or --set: fail before writing
        taken = store.join_codes()
        jc = code(4)
        while jc in taken:
            jc = code(4)
        row = store.new_session(jc, code(8), scenario, sets, seed, own_seeds)
        return cls(store, row, reference_runs), False

    def _register(self, row: dict, game: Game) -> None:
        self.games[row["id"]] = game
        self.game_locks[row["id"]] = threading.Lock()
        self.students[row["id"]] = row
        self.by_token[row["token"]] = row["id"]      # last: from here requests find the game

    def _pack(self, sid: int) -> dict:
        """The game's board pack, built once per board meeting (call with the game's lock)."""
        game = self.games[sid]
        key = (len(game.log), game.over)
        cached = self._packs.get(sid)
        if cached is None or cached[0] != key:
            cached = self._packs[sid] = (key, game.pack())
        return cached[1]

    # -- students
    def join(self, name, join_code, resume=None) -> dict:
        if not isinstance(name, str) or not isinstance(join_code, str):
            raise ClassroomError(400, "send your name and the join code")
        name = " ".join(name.split())
        if not name or len(name) > MAX_NAME or not name.isprintable():
            raise ClassroomError(400, f"a name is 1 to {MAX_NAME} printable characters")
        if not hmac.compare_digest(join_code.strip().upper(), self.join_code):
            raise ClassroomError(403, "wrong join code: check the code on the teacher's screen")
        key = name_key(name)
        with self.lock:      # short: names are reserved here; the slow work comes after
            existing = next((s for s in self.students.values() if s["name_key"] == key), None)
            if existing is not None:
                if isinstance(resume, str) and resume.strip() and hmac.compare_digest(
                        resume.strip().upper(), existing["token"]):
                    return self._welcome(existing, rejoined=True)
                if resume:
                    raise ClassroomError(403, f"wrong resume code for {existing['name']}")
                raise ClassroomError(409, f"the name {existing['name']} is taken in this class: "
                                          f"if it is you, enter the resume code shown on your "
                                          f"first device; otherwise choose another name")
            if key in self._joining:
                raise ClassroomError(409, f"the name {name} is being taken right now: choose "
                                          f"another name")
            self._joining.add(key)
            self._joined += 1
            index = self._joined
            token = code(6)
            while token in self.by_token:
                token = code(6)
        try:
            seed = student_seed(self.seed, index) if self.own_seeds else self.seed
            try:
                row = dict(self.store.add_student(self.sid, name, key, token, seed))
            except sqlite3.IntegrityError:
                raise ClassroomError(409, f"the name {name} is taken in this class") from None
            game = Game(self.scenario, row["seed"], self.sets)
            with self.lock:
                self._register(row, game)
                if self.debrief_all:
                    game.stop()
        finally:
            with self.lock:
                self._joining.discard(key)
        return self._welcome(row, rejoined=False)

    def _welcome(self, row: dict, rejoined: bool) -> dict:
        return {"name": row["name"], "token": row["token"], "resume": row["token"],
                "rejoined": rejoined, "seed": row["seed"]}

    def _student(self, token) -> int:
        key = token.strip().upper() if isinstance(token, str) else None
        sid = self.by_token.get(key) if key else None
        if sid is None:
            raise ClassroomError(403, "unknown student: join the class with your name and "
                                      "the join code")
        return sid

    def state(self, token) -> dict:
        sid = self._student(token)
        with self.game_locks[sid]:
            return self._state(sid)

    def _state(self, sid: int) -> dict:
        game, row = self.games[sid], self.students[sid]
        status = ("debrief" if self.debrief_all else "over" if game.over
                  else "paused" if self.paused else "playing")
        return {"status": status, "name": row["name"], "resume": row["token"],
                "case": self.scenario_name, "month": game.month, "pack": self._pack(sid),
                "menu": [] if game.over else game.menu(), "outcome": game.outcome()}

    def decide(self, token, month, answers) -> dict:
        sid = self._student(token)
        with self.game_locks[sid]:
            game = self.games[sid]
            if not isinstance(month, int) or isinstance(month, bool):
                raise ClassroomError(400, "a decision carries its month number")
            if not isinstance(answers, dict):
                raise ClassroomError(400, "decisions must be an object of question: answer")
            if month < game.month:
                return {"accepted": False, "message": f"month {month} was already decided; "
                        f"your first answers stand", "state": self._state(sid)}
            if game.over:
                raise ClassroomError(409, "your game is over: see your debrief")
            if self.paused:
                raise ClassroomError(409, "the teacher has paused the game; wait for the "
                                          "teacher to resume it")
            if month > game.month:
                raise ClassroomError(409, f"month {month} is not open yet: the board meets for "
                                          f"month {game.month}")
            try:
                full = game.normalise(answers)
            except DecisionError as exc:
                raise ClassroomError(400, str(exc)) from None
            week = game.model.week
            game.decide(full, month)
            if not self.store.add_decision(sid, month, week, full):    # cannot happen under the lock
                self.games[sid] = Game(self.scenario, self.students[sid]["seed"], self.sets,
                                       self.store.decisions(sid))
            return {"accepted": True, "message": f"month {month} decided",
                    "state": self._state(sid)}

    def references(self) -> dict[str, Reference]:
        """The simulated founders of the case and of the counterfactuals (cached)."""
        refs = {self.scenario_name: reference(self.scenario, self.reference_runs, self.store)}
        for name in COUNTERFACTUALS:
            if name != self.scenario_name:
                try:
                    sc = load_scenario(name, self.sets)
                except ParameterError:         # not shipped, or the --set does not apply
                    continue
                refs[name] = reference(sc, self.reference_runs, self.store)
        return refs

    def debrief(self, token) -> dict:
        sid = self._student(token)
        with self.game_locks[sid]:
            game = self.games[sid]
            if not game.over:
                raise ClassroomError(409, "your game is still running: the debrief comes at "
                                          "its end")
            if sid not in self._debriefs:
                ref = reference(self.scenario, self.reference_runs, self.store)
                self._debriefs[sid] = {"name": self.students[sid]["name"],
                                       "case": self.scenario_name, **debrief(game, ref)}
            return self._debriefs[sid]

    # -- the teacher
    def check_teacher(self, teacher_code) -> None:
        if not isinstance(teacher_code, str) or not hmac.compare_digest(
                teacher_code.strip().upper(), self.teacher_code):
            raise ClassroomError(403, "wrong teacher code")

    def overview(self) -> dict:
        with self.lock:
            students = list(self.students.items())
        rows = []
        for sid, row in students:
            with self.game_locks[sid]:
                g, o = self.games[sid], self.games[sid].outcome()
                rows.append({"name": row["name"], "seed": row["seed"], "month": g.month,
                             "week": g.model.week, "over": g.over, "cash": g.model.cash,
                             "out": o["out"], "exit_kind": o["exit_kind"], "fate": o["fate"],
                             "tenure_weeks": o["tenure_weeks"]})
        return {"join_code": self.join_code, "case": self.scenario_name,
                "seed": self.seed, "own_seeds": self.own_seeds, "paused": self.paused,
                "debrief": self.debrief_all, "students": rows}

    def set_paused(self, paused: bool) -> None:
        with self.lock:
            self.store.set_flag(self.sid, "paused", paused)
            self._paused = paused

    def everyone_to_debrief(self) -> None:
        with self.lock:
            self.store.set_flag(self.sid, "debrief", True)
            self._debrief_all = True
            students = list(self.games)
        for sid in students:
            with self.game_locks[sid]:
                self.games[sid].stop()

    def class_debrief(self) -> dict:
        """The class against the simulated founders and the counterfactuals, and the
        decisions that separated the students who lasted from those who did not."""
        with self.lock:
            students = list(self.games)
        outcomes, logs, names = {}, {}, {}
        for sid in students:
            with self.game_locks[sid]:
                outcomes[sid], logs[sid] = self.games[sid].outcome(), list(self.games[sid].log)
                names[sid] = self.students[sid]["name"]
        refs = self.references()
        tenure = np.array([o["tenure_weeks"] for o in outcomes.values()], float)
        out = np.array([o["out"] for o in outcomes.values()], bool)
        curves = {name: r.as_dict() for name, r in refs.items()}
        if len(tenure):
            weeks, surv, median = km_curve(tenure, out)
            curves["class"] = {"scenario": "class", "n": len(tenure), "weeks": weeks,
                               "survival": surv, "median": median,
                               "insolvent": float(np.mean([o["insolvent_week"] is not None
                                                           for o in outcomes.values()])),
                               "sold": float(np.mean([o["sold_week"] is not None
                                                      for o in outcomes.values()]))}
        return {"case": self.scenario_name, "curves": curves,
                "students": [{"name": names[sid], **o} for sid, o in outcomes.items()],
                "separating": separating(outcomes, logs)}

    def decisions_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["session", "student", "seed", "month", "week", "decided", *KEYS])
        for r in self.store.session_decisions(self.sid):
            a = json.loads(r["answers"])
            w.writerow([self.join_code, r["name"], r["seed"], r["month"], r["week"],
                        r["decided"], *[a.get(k, "") for k in KEYS]])
        return buf.getvalue()

    def figure(self, which: str) -> bytes:
        from experiments.teaching.classroom.figures import decisions_png, survival_png
        data = self.class_debrief()
        if which == "survival":
            return survival_png(data)
        if which == "decisions":
            return decisions_png(data)
        raise ClassroomError(404, "figures: survival.png, decisions.png")


def separating(outcomes: dict, logs: dict) -> dict:
    """Which answers the students who lasted gave more (or less) often than the others.

    Students are split at the class's median tenure (in office at the end counts as
    lasting); for each answer, the share of each group's monthly decisions that chose it.
    """
    if len(outcomes) < 2:
        return {"split_week": None, "rows": [], "note": "needs at least two students"}
    tenure = np.array([o["tenure_weeks"] for o in outcomes.values()], float)
    split = float(np.median(tenure))
    lasted = {sid for sid, o in outcomes.items() if not o["out"] or o["tenure_weeks"] > split}
    groups = {"lasted": [d for sid in lasted for d in logs[sid]],
              "did not": [d for sid in outcomes if sid not in lasted for d in logs[sid]]}
    if not groups["lasted"] or not groups["did not"]:
        return {"split_week": split, "rows": [], "note": "everyone lasted about as long"}
    rows = []
    for q in QUESTIONS:
        for answer, meaning in q.choices:
            a = float(np.mean([d.get(q.key) == answer for d in groups["lasted"]]))
            b = float(np.mean([d.get(q.key) == answer for d in groups["did not"]]))
            rows.append({"question": q.prompt, "answer": answer, "meaning": meaning,
                         "lasted": a, "did_not": b, "difference": a - b})
    rows.sort(key=lambda r: -abs(r["difference"]))
    return {"split_week": split, "n_lasted": len(lasted),
            "n_did_not": len(outcomes) - len(lasted), "rows": rows[:8], "note": ""}
