"""A sweep's store on disk: the manifest, the part files written as runs finish, and the
merged tables.

The store (a directory) holds ``manifest.json`` and, while the sweep runs, one part file per
batch of runs under ``parts/``, written atomically (temporary file + rename). At the end the
parts are merged (streaming, in fixed-size row groups) into ``runs.parquet``,
``events.parquet`` and, with trajectories, ``trajectories.parquet``: the same bytes whatever
the worker count, completion order or interruptions. A finished sweep that grows (more
replicates) turns its merged tables back into its first part (:meth:`Store.unmerge`).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from model.company import WEEKLY_COLUMNS, WEEKLY_INTS
from model.outcomes import EVENT_COLUMNS, SUMMARY_TYPES
from model.parameters import leaf_type

TABLES = ("runs", "events", "trajectories")
ROW_GROUP = {"runs": 10_000, "events": 200_000, "trajectories": 200_000}


class SweepError(ValueError):
    """Bad sweep input or store state: one line, exit status 2."""


def read_state_file(folder: Path, name: str, kind: str, error: type = None):
    """The JSON file ``name`` that marks ``folder`` as a ``kind`` (a sweep directory, a
    calibration folder); ``error`` (default SweepError) with one line when it is missing or
    unreadable."""
    error = error or SweepError
    if not Path(folder).is_dir():
        raise error(f"{folder}: not a {kind} (not a folder)")
    try:
        return json.loads((Path(folder) / name).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{folder}: not a {kind} (no {name})") from None
    except (OSError, ValueError):
        raise error(f"{folder}: {name} is unreadable") from None


def read_manifest(root: Path) -> dict:
    """A sweep's manifest; SweepError if ``root`` is not a sweep made by this tool."""
    m = read_state_file(root, "manifest.json", "sweep directory")
    if not isinstance(m, dict) or not {"identity", "design", "runs_total"} <= set(m):
        raise SweepError(f"{root}: manifest.json is not a sweep manifest of this tool")
    return m



def read_runs(root: Path) -> pa.Table | None:
    """The runs table of a sweep, merged or (while it runs) from its parts."""
    root = Path(root)
    if (root / "runs.parquet").exists():
        return pq.read_table(root / "runs.parquet")
    parts = sorted((root / "parts" / "runs").glob("part-*.parquet"))
    return pa.concat_tables([pq.read_table(p) for p in parts]) if parts else None


def part_name(runs: pa.Table) -> str:
    ids = runs.column("run_id")
    return f"part-{ids[0].as_py():09d}-{ids[-1].as_py():09d}.parquet"


def write_part(parts: Path, tables: dict) -> None:
    """One batch's part files, each atomic; the runs part lands last (it is the commit)."""
    name = part_name(tables["runs"])
    _atomic_write_table(tables["events"], parts / "events" / name)
    if tables["trajectories"] is not None:
        _atomic_write_table(tables["trajectories"], parts / "trajectories" / name)
    _atomic_write_table(tables["runs"], parts / "runs" / name)



_PA = {"int": pa.int64(), "float": pa.float64(), "str": pa.string(), "bool": pa.bool_()}


def schemas(spec_id: dict) -> dict[str, pa.Schema]:
    """Arrow schemas of the three tables (explicit, so every part has the same one)."""
    varied = []
    for path in (f["path"] for f in spec_id["design"]["factors"]):
        tp = leaf_type(path)
        varied.append(pa.field(path, {int: pa.int64(), float: pa.float64(), bool: pa.bool_()}
                               .get(tp, pa.string())))
    if spec_id.get("draws"):            # parameters drawn per replicate (a posterior)
        varied += [pa.field(path, pa.float64() if leaf_type(path) is float else pa.int64())
                   for path in spec_id["draws"][0]]
    # parameters drawn per run from the scenario's distributions (model.distributions)
    varied += [pa.field(path, {int: pa.int64(), float: pa.float64(), bool: pa.bool_()}
                        .get(leaf_type(path), pa.string())) for path in spec_id.get("drawn", ())]
    runs = pa.schema([pa.field("run_id", pa.int64()), pa.field("point_id", pa.int64()),
                      pa.field("replicate", pa.int64()), pa.field("seed", pa.int64()), *varied]
                     + [pa.field(k, _PA[t]) for k, t in SUMMARY_TYPES.items() if k != "seed"]
                     + [pa.field("status", pa.string()), pa.field("error", pa.string())])
    events = pa.schema([pa.field("run_id", pa.int64()), pa.field("week", pa.int64())]
                       + [pa.field(c, pa.float64() if c == "amount" else pa.string())
                          for c in EVENT_COLUMNS[1:]])
    traj = pa.schema([pa.field("run_id", pa.int64())]
                     + [pa.field(c, pa.int64() if c in WEEKLY_INTS else
                                 pa.string() if c == "date" else pa.float64())
                        for c in WEEKLY_COLUMNS])
    return {"runs": runs, "events": events, "trajectories": traj}


def atomic(write, path: Path) -> None:
    """``write(tmp)`` into a temporary file beside ``path``, then rename it into place; on
    any failure (a full disk, a removed folder) the temporary file goes and ``path`` is
    untouched, so nothing half-written is ever left."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _atomic_write_table(table: pa.Table, path: Path) -> None:
    atomic(lambda tmp: pq.write_table(table, tmp), path)


def write_json(path: Path, data: dict) -> None:
    atomic(lambda tmp: tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8"),
           path)


class Store:
    """A sweep's directory: manifest, chunk parts, and the merged tables."""

    def __init__(self, root: Path, spec) -> None:   # spec: a SweepSpec
        self.root = Path(root)
        self.spec = spec
        self.schemas = schemas(spec.identity())
        self.parts = self.root / "parts"

    def create(self) -> None:
        for t in TABLES:
            (self.parts / t).mkdir(parents=True, exist_ok=True)

    def _part_names(self, table: str) -> list[str]:
        d = self.parts / table
        return sorted(p.name for p in d.glob("part-*.parquet")) if d.exists() else []

    def tidy(self) -> None:
        """Drop leftovers of a chunk whose runs part never landed (crash between writes)."""
        done = set(self._part_names("runs"))
        for t in ("events", "trajectories"):
            for name in self._part_names(t):
                if name not in done:
                    (self.parts / t / name).unlink()
        for tmp in self.parts.rglob("*.tmp"):
            tmp.unlink()

    def stored_parts(self) -> list[str]:
        """Names of the runs parts stored (each commits one batch)."""
        return self._part_names("runs")

    def unmerge(self) -> None:
        """Make the merged tables of a finished sweep its only parts again (to grow it).

        The tables are linked (copied where links are not possible) into a staging folder
        that replaces ``parts/`` in one rename: until then the merged tables are the store,
        after it the parts are, and an interruption at any point loses nothing.
        """
        runs = self.root / "runs.parquet"
        if not runs.exists():
            return
        ids = pq.read_table(runs, columns=["run_id"])
        if ids.num_rows == 0:
            return
        name = part_name(ids)
        staging = self.root / "parts.new"
        shutil.rmtree(staging, ignore_errors=True)
        for t in TABLES:
            merged = self.root / f"{t}.parquet"
            if merged.exists():
                (staging / t).mkdir(parents=True)
                try:
                    os.link(merged, staging / t / name)
                except OSError:
                    shutil.copyfile(merged, staging / t / name)
        self.remove_parts()
        os.replace(staging, self.parts)
        self.create()

    def done(self) -> tuple[set[int], int]:
        """Run ids already stored, and how many of them failed."""
        ids, failed = set(), 0
        for name in self._part_names("runs"):
            t = pq.read_table(self.parts / "runs" / name, columns=["run_id", "status"])
            ids.update(t.column("run_id").to_pylist())
            failed += t.column("status").to_pylist().count("failed")
        return ids, failed

    def finalize(self) -> None:
        """Merge each table's parts, in run order, into one file with fixed row groups.

        The parts stay until :meth:`remove_parts` (called once the manifest says
        "complete"), so a crash during the merge loses nothing: a resume merges again.
        """
        for t in TABLES:
            if t == "trajectories" and not self.spec.trajectories:
                continue
            atomic(lambda tmp: self._merge(t, tmp), self.root / f"{t}.parquet")

    def _pieces(self, table: str):
        """The rows of a table's parts in run order, a row group at a time (a grown sweep's
        first part is a whole merged table: never read at once)."""
        for name in self._part_names(table):
            with pq.ParquetFile(self.parts / table / name) as f:
                for g in range(f.num_row_groups):
                    yield f.read_row_group(g).cast(self.schemas[table])

    def _merge(self, t: str, tmp: Path) -> None:
        size, buffer, buffered, written = ROW_GROUP[t], [], 0, 0
        with pq.ParquetWriter(tmp, self.schemas[t]) as writer:
            for piece in self._pieces(t):
                buffer.append(piece)
                buffered += piece.num_rows
                while buffered >= size:              # fixed row groups: same bytes however
                    merged = pa.concat_tables(buffer)   # the parts were cut
                    writer.write_table(merged.slice(0, size).combine_chunks(),
                                       row_group_size=size)
                    written += size
                    buffer = [merged.slice(size)]
                    buffered = buffer[0].num_rows
            if buffered or not written:
                tail = pa.concat_tables(buffer) if buffer else self.schemas[t].empty_table()
                writer.write_table(tail.combine_chunks(), row_group_size=size)

    def remove_parts(self) -> None:
        shutil.rmtree(self.parts, ignore_errors=True)


# ----------------------------------------------------------------------------- running
