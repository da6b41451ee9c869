"""The classroom's SQLite database: sessions, students and every decision, written as it is
made (one transaction per decision), so a restarted server replays every game exactly.
Several sessions live in one database.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY, join_code TEXT UNIQUE NOT NULL, teacher_code TEXT NOT NULL,
    scenario TEXT NOT NULL, sets TEXT NOT NULL, seed INTEGER NOT NULL,
    own_seeds INTEGER NOT NULL, created TEXT NOT NULL,
    paused INTEGER NOT NULL DEFAULT 0, debrief INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS students (
    id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions(id),
    name TEXT NOT NULL, name_key TEXT NOT NULL, token TEXT NOT NULL, seed INTEGER NOT NULL,
    joined TEXT NOT NULL, UNIQUE (session_id, name_key), UNIQUE (session_id, token));
CREATE TABLE IF NOT EXISTS decisions (
    student_id INTEGER NOT NULL REFERENCES students(id), month INTEGER NOT NULL,
    week INTEGER NOT NULL, answers TEXT NOT NULL, decided TEXT NOT NULL,
    PRIMARY KEY (student_id, month));
CREATE TABLE IF NOT EXISTS refs (key TEXT PRIMARY KEY, data TEXT NOT NULL);
"""


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Store:
    """One database file; every method is one transaction (safe from several threads)."""

    def __init__(self, path: Path | str) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")      # a decision survives a power cut
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self.db.close()

    def _one(self, sql: str, *args):
        with self._lock:
            return self.db.execute(sql, args).fetchone()

    def _all(self, sql: str, *args) -> list:
        with self._lock:
            return self.db.execute(sql, args).fetchall()

    def _write(self, sql: str, *args) -> int:
        with self._lock:
            cur = self.db.execute(sql, args)
            return cur.lastrowid

    # -- sessions
    def new_session(self, join_code: str, teacher_code: str, scenario: str, sets: list[str],
                    seed: int, own_seeds: bool) -> sqlite3.Row:
        sid = self._write("INSERT INTO sessions (join_code, teacher_code, scenario, sets, seed, "
                          "own_seeds, created) VALUES (?, ?, ?, ?, ?, ?, ?)", join_code,
                          teacher_code, scenario, json.dumps(sets), seed, int(own_seeds), now())
        return self.session(sid)

    def session(self, sid: int) -> sqlite3.Row | None:
        return self._one("SELECT * FROM sessions WHERE id = ?", sid)

    def session_by_code(self, join_code: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM sessions WHERE join_code = ?", join_code.upper())

    def latest_session(self, scenario: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM sessions WHERE scenario = ? ORDER BY id DESC LIMIT 1",
                         scenario)

    def join_codes(self) -> set[str]:
        return {r[0] for r in self._all("SELECT join_code FROM sessions")}

    def set_flag(self, sid: int, flag: str, value: bool) -> None:
        if flag not in ("paused", "debrief"):
            raise ValueError(flag)
        self._write(f"UPDATE sessions SET {flag} = ? WHERE id = ?", int(value), sid)

    # -- students
    def add_student(self, sid: int, name: str, name_key: str, token: str, seed: int) -> sqlite3.Row:
        """A new student; sqlite3.IntegrityError if the name or token is taken."""
        rid = self._write("INSERT INTO students (session_id, name, name_key, token, seed, joined) "
                          "VALUES (?, ?, ?, ?, ?, ?)", sid, name, name_key, token, seed, now())
        return self._one("SELECT * FROM students WHERE id = ?", rid)

    def students(self, sid: int) -> list[sqlite3.Row]:
        return self._all("SELECT * FROM students WHERE session_id = ? ORDER BY id", sid)

    # -- decisions
    def add_decision(self, student_id: int, month: int, week: int, answers: dict) -> bool:
        """Store one month's decisions; False (nothing written) if that month is stored."""
        with self._lock:
            cur = self.db.execute("INSERT OR IGNORE INTO decisions (student_id, month, week, "
                                  "answers, decided) VALUES (?, ?, ?, ?, ?)", (
                                      student_id, month, week, json.dumps(answers), now()))
            return cur.rowcount == 1

    def decisions(self, student_id: int) -> list[dict]:
        rows = self._all("SELECT answers FROM decisions WHERE student_id = ? ORDER BY month",
                         student_id)
        return [json.loads(r["answers"]) for r in rows]

    def session_decisions(self, sid: int) -> list[sqlite3.Row]:
        return self._all("SELECT s.name, s.seed, d.month, d.week, d.answers, d.decided "
                         "FROM decisions d JOIN students s ON s.id = d.student_id "
                         "WHERE s.session_id = ? ORDER BY s.id, d.month", sid)

    # -- simulated founders for the debriefs (a cache: deterministic from their key)
    def get_reference(self, key: str) -> dict | None:
        row = self._one("SELECT data FROM refs WHERE key = ?", key)
        return None if row is None else json.loads(row["data"])

    def put_reference(self, key: str, data: dict) -> None:
        self._write("INSERT OR REPLACE INTO refs (key, data) VALUES (?, ?)", key, json.dumps(data))
