#!/usr/bin/env python3
"""Command line of the startup governance simulation.

    python run.py scenarios
    python run.py params --scenario stability-ai
    python run.py simulate --scenario stability-ai --seed 7 [--weeks N] [--set path=value ...] [--out DIR]
    python run.py validate --scenario stability-ai [--seeds 200]
    python run.py bench [--runs 40]
    python run.py sweep --scenario stability-ai --replicates 200 [--vary path=SPEC ...] [--design grid|lhs|sobol]
                        [--samples N] [--jobs J] [--seed ROOT] [--weeks N] [--set path=value ...]
                        [--trajectories] [--out DIR] [--resume | --force] [--scheduler ADDRESS]
    python run.py runs DIR
    python run.py story --scenario stability-ai --seed 7 [--out DIR]
    python run.py lessons
    python run.py play [--scenario stability-ai] [--seed S] [--save FILE] [--resume FILE]
    python run.py dashboard [--port 8765]
    python run.py compare DIR [DIR ...] [--by PARAM] [--outcomes NAMES] [--out REPORT_DIR]
    python run.py plot DIR [DIR ...] [--by PARAM] [--outcomes NAMES] [--out FIG_DIR]
    python run.py sensitivity DIR --outcome NAME [--out FIG_DIR]

Bad input prints one line starting with "error:" and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
from pathlib import Path

ROOT = Path(__file__).resolve().parent


class UsageError(Exception):
    """Bad command-line input: one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message):              # one clear line instead of usage + message
        raise UsageError(f"{self.prog}: {message}")


def _positive(kind: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{kind} must be a whole number, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{kind} must be > 0, got {value}")
        return value
    return parse


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be a whole number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"seed must be >= 0, got {value}")
    return value


def build_parser() -> Parser:
    p = Parser(prog="run.py", description="Agent-based simulation of startup governance.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser,
                           metavar="{scenarios,params,simulate,validate,sweep,runs,compare,plot,"
                                   "sensitivity,story,lessons,play,dashboard,bench}")
    sub.add_parser("scenarios", help="list the scenarios")

    def scenario_args(sp):
        sp.add_argument("--scenario", default="stability-ai",
                        help="scenario name (see 'scenarios') or a scenario file NAME.toml")
        sp.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE",
                        help="override a parameter, e.g. --set ceo.listening=0.8 (repeatable)")

    sp = sub.add_parser("params", help="every parameter with value, unit, description, source")
    scenario_args(sp)

    sp = sub.add_parser("simulate", help="run one simulation and write its outputs")
    scenario_args(sp)
    sp.add_argument("--seed", type=_seed, default=7, help="random seed (default 7)")
    sp.add_argument("--weeks", type=_positive("--weeks"), help="horizon in weeks")
    sp.add_argument("--out", type=Path, help="output directory (default results/runs/SCENARIO-seedSEED)")
    sp.add_argument("--all-events", action="store_true", help="list promises in the timeline too")
    sp.add_argument("--quiet", action="store_true", help="print only the summary")

    sp = sub.add_parser("validate", help="check the scenario against the case record")
    scenario_args(sp)
    sp.add_argument("--seeds", type=_positive("--seeds"), default=200, help="runs (default 200)")
    sp.add_argument("--root-seed", type=_seed, default=None, help="root seed of the seed sequence")

    sp = sub.add_parser("sweep", help="Monte Carlo sweep over a design, stored as runs finish")
    scenario_args(sp)
    sp.add_argument("--replicates", type=_positive("--replicates"), default=200,
                    help="runs per design point (default 200)")
    sp.add_argument("--vary", action="append", default=[], metavar="PATH=SPEC",
                    help="a varied parameter: 0,0.5,1 | LO:HI:COUNT | LO:HI (lhs, sobol)")
    sp.add_argument("--design", default="grid",
                    help="grid (default), lhs, sobol, or saltelli (for Sobol' sensitivity)")
    sp.add_argument("--samples", type=_positive("--samples"), help="design points for lhs/sobol")
    sp.add_argument("--jobs", type=_positive("--jobs"), default=os.cpu_count() or 1,
                    help="local worker processes (default: all cores)")
    sp.add_argument("--seed", type=_seed, default=20221017, help="root seed (default 20221017)")
    sp.add_argument("--weeks", type=_positive("--weeks"), help="horizon in weeks")
    sp.add_argument("--trajectories", action="store_true", help="also store weekly trajectories")
    sp.add_argument("--out", type=Path, help="store directory (default results/sweeps/SCENARIO)")
    mode = sp.add_mutually_exclusive_group()
    mode.add_argument("--resume", action="store_true", help="continue an interrupted sweep")
    mode.add_argument("--force", action="store_true", help="replace an existing sweep")
    sp.add_argument("--scheduler", help="dask.distributed: tcp://HOST:PORT or local:N")
    sp.add_argument("--chunk-size", type=_positive("--chunk-size"), default=None,
                    help=argparse.SUPPRESS)   # runs per stored part (tests use small ones)
    sp.add_argument("--no-progress", action="store_true", help="no progress output")

    sp = sub.add_parser("runs", help="summarise a stored sweep")
    sp.add_argument("dir", type=Path, help="a sweep directory")

    def group_args(sp):
        sp.add_argument("dirs", type=Path, nargs="+", metavar="DIR", help="sweep directories")
        sp.add_argument("--by", help="split a sweep's design points by this varied parameter")
        sp.add_argument("--outcomes", help="comma-separated outcomes (default: a standard set)")
        sp.add_argument("--out", type=Path, help="output directory")

    sp = sub.add_parser("compare", help="compare outcome distributions between groups")
    group_args(sp)
    sp = sub.add_parser("plot", help="figures of one or more sweeps")
    group_args(sp)
    sp = sub.add_parser("sensitivity", help="Sobol' indices (saltelli sweeps) or a ranking")
    sp.add_argument("dir", type=Path, metavar="DIR", help="a sweep directory")
    sp.add_argument("--outcome", required=True, help="the outcome to explain")
    sp.add_argument("--out", type=Path, help="figure directory (default DIR/figures)")

    sp = sub.add_parser("story", help="one run told in plain English, with a dashboard figure")
    scenario_args(sp)
    sp.add_argument("--seed", type=_seed, default=7, help="random seed (default 7)")
    sp.add_argument("--weeks", type=_positive("--weeks"), help="horizon in weeks")
    sp.add_argument("--out", type=Path, help="output directory (default results/stories/SCENARIO-seedSEED)")
    sub.add_parser("lessons", help="the counterfactual lessons: question, what to look for, commands")
    sp = sub.add_parser("play", help="be the founder-CEO: decide every month, then a debrief")
    scenario_args(sp)
    sp.add_argument("--seed", type=_seed, default=7, help="random seed (default 7)")
    sp.add_argument("--save", type=Path, help="save the game here after every board meeting")
    sp.add_argument("--resume", type=Path, help="continue a saved game")
    sp.add_argument("--debrief-seeds", type=_positive("--debrief-seeds"), default=200,
                    help="simulated founders to compare with (default 200)")

    sp = sub.add_parser("dashboard", help="the live browser dashboard (Mesa SolaraViz)")
    sp.add_argument("--port", type=_positive("--port"), default=8765, help="port (default 8765)")
    sp.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sp.add_argument("--no-browser", action="store_true", help=argparse.SUPPRESS)

    sp = sub.add_parser("bench", help="time the baseline against a trivial Mesa model")
    sp.add_argument("--runs", type=_positive("--runs"), default=40, help="timed runs (default 40)")
    sp.add_argument("--sweep", action="store_true",
                    help="benchmark sweeps instead: 1 vs 2 jobs, memory at 1,000 and 10,000 runs, "
                         "and mesa.batch_run side by side (about 5 minutes)")
    return p


def cmd_scenarios(args) -> int:
    from model import scenarios
    for name in scenarios.names():
        print(f"{name:24s} {scenarios.load(name).description}")
    return 0


def _load(args, extra=()):
    """A shipped scenario by name, or a user's scenario file (a path ending in .toml)."""
    from model import scenarios
    sets = list(args.sets) + list(extra)
    if args.scenario.endswith(".toml"):
        path = Path(args.scenario)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--scenario {path}: cannot read it ({exc.strerror})") from None
        return scenarios.from_text(text, path.stem, sets)
    return scenarios.load(args.scenario, sets)


def cmd_params(args) -> int:
    from experiments.timeline import params_table
    from model.parameters import describe
    sc = _load(args)
    print(f"Parameters of scenario '{sc.name}': {sc.description}")
    print("\n".join(params_table(describe(sc.params, sc.sources))))
    return 0


def cmd_simulate(args) -> int:
    from experiments.storage import write_run
    from experiments.timeline import summary_lines, timeline
    from model import StartupModel
    sc = _load(args, [f"run.weeks={args.weeks}"] if args.weeks else [])
    out = args.out or ROOT / "results" / "runs" / f"{sc.name}-seed{args.seed}"
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a directory")
    model = StartupModel(sc.params, seed=args.seed).run()
    result = write_run(model, sc.name, args.seed, out)
    if not args.quiet:
        print("\n".join(timeline(model, args.all_events)))
        print()
    print("\n".join(summary_lines(result, model)))
    print(f"\nwrote {out}/weekly.csv, events.csv, summary.json")
    return 0


def cmd_validate(args) -> int:
    from experiments.timeline import validation_table
    from experiments.validate import DEFAULT_ROOT_SEED, all_passed, validate
    sc = _load(args)
    root = DEFAULT_ROOT_SEED if args.root_seed is None else args.root_seed
    results = validate(sc, args.seeds, root)
    print("\n".join(validation_table(results, args.seeds, sc.name)))
    return 0 if all_passed(results) else 1


def cmd_bench(args) -> int:
    if args.sweep:
        from experiments import bench_sweep
        print("\n".join(bench_sweep.report(bench_sweep.bench())))
        return 0
    from experiments.bench import bench, report
    print("\n".join(report(bench(args.runs))))
    return 0


def _scenario_source(args) -> tuple[str, str | None]:
    """(name, TOML text or None) of the sweep's scenario; validated by _load."""
    if args.scenario.endswith(".toml"):
        return Path(args.scenario).stem, Path(args.scenario).read_text(encoding="utf-8")
    return args.scenario, None


def cmd_sweep(args) -> int:
    import shutil
    from experiments import sweep as sw
    from experiments.designs import build_design
    sc = _load(args, [f"run.weeks={args.weeks}"] if args.weeks else [])   # validates --set
    name, text = _scenario_source(args)
    design = build_design(args.design, args.vary, args.samples, args.seed)
    spec = sw.SweepSpec(name, text, list(args.sets), args.weeks, design, args.replicates,
                        args.seed, args.trajectories)
    sw.prepare_points(spec)
    out = args.out or ROOT / "results" / "sweeps" / sc.name
    manifest_path = out / "manifest.json"
    manifest = None
    if args.resume:
        if not manifest_path.exists():
            raise UsageError(f"--resume: {out} holds no sweep (no manifest.json)")
        manifest = sw.read_manifest(out)
        old = manifest.get("identity", {})
        new = json.loads(json.dumps(spec.identity()))
        diff = [k for k in new if old.get(k) != new[k]]
        if diff:
            raise UsageError(f"--resume: {out} was made with other parameters "
                             f"(differs in: {', '.join(diff)}); use --force or another --out")
        if manifest.get("status") == "complete":
            print(f"{out}: sweep already complete ({manifest['runs_done']} runs, "
                  f"{manifest['runs_failed']} failed)")
            return 1 if manifest["runs_failed"] else 0
    elif out.exists():
        if not args.force:
            raise UsageError(f"--out {out}: exists; use --resume to continue it or --force "
                             f"to replace it")
        if any(out.iterdir()):
            try:
                sw.read_manifest(out)
            except sw.SweepError:
                raise UsageError(f"--force: {out} is not a sweep directory; refusing to "
                                 f"delete it") from None
    executor = (sw.DaskExecutor(args.scheduler) if args.scheduler
                else sw.LocalExecutor(args.jobs))
    try:
        if not args.resume:
            if out.exists():
                shutil.rmtree(out)
            out.mkdir(parents=True)
            manifest = sw.new_manifest(spec, sys.argv[1:] if argv_is_cli() else [])
        where = args.scheduler or f"{args.jobs} local process{'es' if args.jobs > 1 else ''}"
        print(f"sweep: {spec.n_runs} runs ({len(design.points)} points x {spec.replicates} "
              f"replicates) of '{name}' on {where} -> {out}", file=sys.stderr)
        try:
            if args.chunk_size and not args.resume:
                manifest["batch_size"] = args.chunk_size
            res = sw.run_sweep(spec, out, executor, manifest, args.resume,
                               progress=not args.no_progress)
        except KeyboardInterrupt:
            print(f"error: interrupted; finished runs are stored in {out}; continue with "
                  f"--resume", file=sys.stderr)
            return 130
    finally:
        executor.close()
    rate = (res.done + res.failed) / res.seconds if res.seconds > 0 else 0.0
    print(f"sweep {res.status}: {res.done} runs ok, {res.failed} failed, of {res.total}; "
          f"{res.seconds:.1f} s this session ({rate:.1f} runs/s) -> {out}")
    return 1 if res.failed else 0


def argv_is_cli() -> bool:
    return Path(sys.argv[0]).name == "run.py"


def cmd_runs(args) -> int:
    from experiments.summary import describe_sweep
    print("\n".join(describe_sweep(args.dir)))
    return 0


def _outcomes(args) -> list[str]:
    from experiments.compare import check_outcomes
    return check_outcomes([o.strip() for o in args.outcomes.split(",")] if args.outcomes else None)


def cmd_compare(args) -> int:
    from experiments.compare import compare, load_groups, terminal_table
    from experiments.report import write_report
    outcomes = _outcomes(args)
    groups = load_groups(args.dirs, args.by)
    result = compare(groups, outcomes)
    print("\n".join(terminal_table(result)))
    out = args.out or args.dirs[0] / "report"
    md, page = write_report(result, out, "python run.py " + " ".join(sys.argv[1:]))
    print(f"\nwrote {md} and {page}")
    return 0


def cmd_plot(args) -> int:
    from experiments.compare import compare, load_groups
    from experiments.report import make_figures, response_figures
    outcomes = _outcomes(args)
    groups = load_groups(args.dirs, args.by, minimum=1)
    out = args.out or args.dirs[0]
    figs = make_figures(compare(groups, outcomes), out)
    if len(args.dirs) == 1:
        figs += response_figures(args.dirs[0], outcomes, out)
    for caption, path in figs:
        print(f"{path}  ({caption})")
    return 0


def cmd_sensitivity(args) -> int:
    from experiments import plots
    from experiments.sensitivity import point_means, prcc, sobol
    m, _, _, _ = point_means(args.dir, args.outcome)
    out = (args.out or args.dir / "figures")
    if m["design"]["kind"] == "saltelli":
        r = sobol(args.dir, args.outcome)
        print(f"Sobol' indices of {args.outcome}: {r.samples} base samples x "
              f"{len(r.names) + 2} blocks, {r.replicates} replicates per point "
              f"(mean per point); 95% bootstrap intervals")
        print(f"{'parameter':36s} {'first order':>22s} {'total order':>22s}")
        for i in sorted(range(len(r.names)), key=lambda i: -r.total[i]):
            print(f"{r.names[i]:36s} {r.first[i]:7.3f} [{r.first_ci[i, 0]:6.3f}, "
                  f"{r.first_ci[i, 1]:6.3f}] {r.total[i]:7.3f} [{r.total_ci[i, 0]:6.3f}, "
                  f"{r.total_ci[i, 1]:6.3f}]")
        path = plots.sensitivity_figure(r.names, r.first, r.first_ci, r.total, r.total_ci,
                                        args.outcome, out / f"sensitivity-{args.outcome}.png")
    else:
        r = prcc(args.dir, args.outcome)
        caveat = ("caveat: a partial rank correlation ranks monotonic effects only; it misses "
                  "interactions and non-monotonic effects (use --design saltelli for Sobol' "
                  "indices)")
        print(f"Partial rank correlation of {args.outcome} with each parameter over "
              f"{r.points} design points ({m['design']['kind']} design)\n{caveat}")
        for i in np.argsort(-np.abs(r.prcc)):
            print(f"  {r.names[i]:36s} PRCC {r.prcc[i]:+.3f}  p={r.pvalues[i]:.3g}")
        path = plots.ranking_figure(r.names, r.prcc, args.outcome, "partial rank correlation",
                                    out / f"sensitivity-{args.outcome}.png")
    print(f"wrote {path}")
    return 0


def cmd_story(args) -> int:
    from experiments.storage import write_run
    from experiments.story import dashboard, ending, tell
    from model import StartupModel
    sc = _load(args, [f"run.weeks={args.weeks}"] if args.weeks else [])
    out = args.out or ROOT / "results" / "stories" / f"{sc.name}-seed{args.seed}"
    model = StartupModel(sc.params, seed=args.seed).run()
    result = write_run(model, sc.name, args.seed, out)
    lines = tell(model, sc.name, args.seed) + ending(result, model)
    (out / "story.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = dashboard(model, f"{sc.params.company.name} ({sc.name}), seed {args.seed}",
                     out / "dashboard.png")
    print("\n".join(lines))
    print(f"\nwrote {out}/story.txt, {path.name}, weekly.csv, events.csv, summary.json")
    return 0


def cmd_lessons(args) -> int:
    from model.scenarios import lessons
    for sc in lessons():
        print(f"{sc.name}: {sc.description}")
        print(f"  question:     {sc.question}")
        print(f"  look for:     {sc.look_for}")
        print(f"  run:          python run.py sweep --scenario {sc.base} --replicates 200 "
              f"--trajectories --out results/sweeps/{sc.base}")
        print(f"                python run.py sweep --scenario {sc.name} --replicates 200 "
              f"--trajectories --out results/sweeps/{sc.name}")
        print(f"                python run.py compare results/sweeps/{sc.base} "
              f"results/sweeps/{sc.name} --out results/reports/{sc.name}")
        print()
    return 0


def cmd_play(args) -> int:
    from experiments.play import play
    resume = None
    if args.resume:
        try:
            resume = json.loads(args.resume.read_text(encoding="utf-8"))
            args.scenario, args.seed = resume["scenario"], int(resume["seed"])
            args.sets = list(resume.get("sets", [])) + list(args.sets)
            if not isinstance(resume["log"], list):
                raise TypeError
        except (OSError, ValueError, KeyError, TypeError):
            raise UsageError(f"--resume {args.resume}: not a saved game") from None
    sc = _load(args)

    def read():
        line = sys.stdin.readline()
        return line if line else None

    def write(text):
        print(text, flush=True)

    play(sc, args.seed, read, write, save=args.save or args.resume, resume=resume,
         sets=list(args.sets), debrief_seeds=args.debrief_seeds)
    return 0


def cmd_dashboard(args) -> int:
    import subprocess
    app = ROOT / "experiments" / "dashboard.py"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    print(f"dashboard: http://{args.host}:{args.port}/  (Ctrl-C to stop)", flush=True)
    try:
        return subprocess.call([sys.executable, "-m", "solara", "run", str(app), "--host",
                                args.host, "--port", str(args.port), "--production",
                                "--no-open"], cwd=ROOT, env=env)
    except KeyboardInterrupt:
        return 0


COMMANDS = {"scenarios": cmd_scenarios, "params": cmd_params, "simulate": cmd_simulate,
            "validate": cmd_validate, "sweep": cmd_sweep, "runs": cmd_runs,
            "compare": cmd_compare, "plot": cmd_plot, "sensitivity": cmd_sensitivity,
            "story": cmd_story, "lessons": cmd_lessons, "play": cmd_play,
            "dashboard": cmd_dashboard, "bench": cmd_bench}


def main(argv=None) -> int:
    from experiments.designs import DesignError
    from experiments.sweep import SweepError
    from model.parameters import ParameterError
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except (UsageError, ParameterError, DesignError, SweepError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
