"""The command line: parse arguments, call one library function per command, print, and map
errors to exit statuses. ``python run.py COMMAND`` and the ``govsim`` console script both run
:func:`main`.

Bad input prints one line starting with "error:" and exits with status 2; an interrupted
command exits with 130; a closed output pipe (``| head``) ends the command quietly.
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import sys
import threading
from pathlib import Path

COMMANDS = ("scenarios", "params", "simulate", "validate", "calibrate", "sweep", "runs",
            "compare", "plot", "sensitivity", "story", "lessons", "play", "dashboard", "bench",
            "docs", "cases", "new-case", "classroom")


class UsageError(Exception):
    """Bad command-line input: one line, exit status 2."""


class Stopped(KeyboardInterrupt):
    """SIGTERM (``kill``, ``timeout``) or SIGHUP (the terminal closed): the command stops as
    for Ctrl-C, keeping what it finished, and exits with 128 + the signal number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def stopped_by(exc: KeyboardInterrupt) -> str:
    if isinstance(exc, Stopped):
        return f"stopped by {signal.Signals(exc.signum).name}"
    return "interrupted"


def exit_status(exc: KeyboardInterrupt) -> int:
    return 128 + (exc.signum if isinstance(exc, Stopped) else signal.SIGINT)


def _stop_on_signals() -> dict:
    """Make SIGTERM and SIGHUP stop this process as Ctrl-C does; returns the handlers they
    had. Worker processes forked from this one die of the signal as before."""
    owner = os.getpid()

    def handler(signum, frame):
        if os.getpid() != owner:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise Stopped(signum)

    if threading.current_thread() is not threading.main_thread():
        return {}
    return {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGHUP)}


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


def build_parser(prog: str = "run.py") -> Parser:
    from experiments.runs.sweep import DEFAULT_MODEL, DEFAULT_SEED
    p = Parser(prog=prog, description="Agent-based simulation of startup governance.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser,
                           metavar="{" + ",".join(COMMANDS) + "}")
    sub.add_parser("scenarios", help="list the scenarios")
    sub.add_parser("cases", help="list the cases: scenarios with facts and a case record")

    def scenario_args(sp):
        sp.add_argument("--scenario", "--case", dest="scenario", default="stability-ai",
                        help="scenario or case name (see 'scenarios', 'cases') or a scenario "
                             "file NAME.toml")
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
    sp.add_argument("--facts", type=Path, metavar="FILE",
                    help="a facts file (.facts.toml) to check (default: the scenario's own facts)")
    sp.add_argument("--posterior", type=Path, metavar="DIR",
                    help="a calibration folder: run k takes the k-th parameter set drawn from "
                         "its posterior (facts judged with parameter uncertainty as well as "
                         "chance)")
    sp.add_argument("--no-progress", action="store_true", help="no progress output")

    sp = sub.add_parser("calibrate", help="screen the parameters, fit the free ones to the "
                        "case's facts by ABC-SMC, check every fact on the posterior")
    sp.add_argument("--scenario", default="stability-ai", help="a shipped scenario with facts")
    sp.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE",
                    help="a fixed override of the scenario (repeatable)")
    sp.add_argument("--out", type=Path, help="folder (default results/calibration/SCENARIO)")
    sp.add_argument("--population", type=_positive("--population"), default=500,
                    help="particles in the posterior (default 500)")
    sp.add_argument("--generations", type=_positive("--generations"), default=12,
                    help="most ABC-SMC generations (default 12)")
    sp.add_argument("--top", type=_positive("--top"), default=10,
                    help="parameters left free after the screening: each fitted fact's leader, then the highest-ranked (default 10)")
    sp.add_argument("--free", help="comma-separated parameters to fit (skips the screening)")
    sp.add_argument("--jobs", type=_positive("--jobs"), default=os.cpu_count() or 1,
                    help="worker processes (default: all cores)")
    sp.add_argument("--seed", type=_seed, default=DEFAULT_SEED,
                    help=f"root seed (default {DEFAULT_SEED})")
    mode = sp.add_mutually_exclusive_group()
    mode.add_argument("--resume", action="store_true", help="continue an interrupted calibration")
    mode.add_argument("--force", action="store_true", help="replace an existing calibration")
    sp.add_argument("--adopt", action="store_true",
                    help="write the posterior medians as the scenario's calibrated values "
                         "(model/scenarios/SCENARIO.calibrated.toml)")
    sp.add_argument("--no-progress", action="store_true", help="no progress output")

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
    sp.add_argument("--seed", type=_seed, default=DEFAULT_SEED,
                    help=f"root seed (default {DEFAULT_SEED})")
    sp.add_argument("--weeks", type=_positive("--weeks"), help="horizon in weeks")
    sp.add_argument("--trajectories", action="store_true", help="also store weekly trajectories")
    sp.add_argument("--out", type=Path, help="store directory (default "
                    "results/sweeps/SCENARIO-HASH, HASH from the design: the same sweep run "
                    "again continues or finds itself complete)")
    mode = sp.add_mutually_exclusive_group()
    mode.add_argument("--resume", action="store_true", help="continue an interrupted sweep")
    mode.add_argument("--force", action="store_true", help="replace an existing sweep")
    sp.add_argument("--scheduler", help="dask.distributed: tcp://HOST:PORT or local:N")
    sp.add_argument("--model", default=DEFAULT_MODEL, metavar="MODULE:CLASS",
                    help=f"the model class to run, a StartupModel subclass importable by the "
                         f"workers (default {DEFAULT_MODEL})")
    sp.add_argument("--posterior", type=Path, metavar="DIR",
                    help="a calibration folder: replicate k runs with the k-th parameter set "
                         "drawn from its posterior (parameter uncertainty as well as chance)")
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
        sp.add_argument("--bins", type=_positive("--bins"), metavar="K",
                        help="group a numeric --by parameter into K quantile groups")

    sp = sub.add_parser("compare", help="compare outcome distributions between groups, or "
                        "show the response to a continuous parameter")
    group_args(sp)
    sp.add_argument("--reference", metavar="GROUP",
                    help="the group the others are compared with: a value of --by, or a "
                         "group's label (default: the scenario's value, else the first value "
                         "given to --vary, else the lowest; for sweeps, the first)")
    sp.add_argument("--response", action="store_true",
                    help="show the response to a numeric --by even when it has few values")
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
    sp = sub.add_parser("lessons", help="the counterfactual lessons: question, what to look "
                        "for, commands")
    sp.add_argument("--case", "--scenario", dest="case",
                    help="only the lessons that change this case (their base scenario)")
    sp = sub.add_parser("play", help="be the founder-CEO: decide every month, then a debrief")
    scenario_args(sp)
    sp.add_argument("--seed", type=_seed, default=7, help="random seed (default 7)")
    sp.add_argument("--save", type=Path, help="save the game here after every board meeting")
    sp.add_argument("--resume", type=Path, help="continue a saved game")
    sp.add_argument("--debrief-seeds", type=_positive("--debrief-seeds"), default=200,
                    help="simulated founders to compare with (default 200)")

    sp = sub.add_parser("dashboard", help="the live browser dashboard (Solara, Mesa's controller)")
    sp.add_argument("--scenario", "--case", dest="scenario", default="stability-ai",
                    help="scenario name (see 'scenarios') or a scenario file NAME.toml")
    sp.add_argument("--port", type=_positive("--port"), default=8765, help="port (default 8765)")
    sp.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sp.add_argument("--no-browser", action="store_true", help=argparse.SUPPRESS)

    sp = sub.add_parser("classroom", help="the browser classroom: a class plays the CEO, "
                        "the teacher runs the session and the class debrief")
    sp.add_argument("--case", "--scenario", dest="scenario", default="stability-ai",
                    help="the case (scenario) to play (default stability-ai)")
    sp.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE",
                    help="override a parameter, e.g. --set run.weeks=52 (repeatable)")
    sp.add_argument("--seed", type=_seed, default=7, help="random seed (default 7)")
    seeds = sp.add_mutually_exclusive_group()
    seeds.add_argument("--same-seed", dest="own_seeds", action="store_false",
                       help="every student plays the same company and luck (default)")
    seeds.add_argument("--own-seeds", dest="own_seeds", action="store_true",
                       help="every student gets a seed of their own")
    sp.set_defaults(own_seeds=False)
    sp.add_argument("--port", type=_positive("--port"), default=8765, help="port (default 8765)")
    sp.add_argument("--host", default="0.0.0.0",
                    help="address to listen on (default 0.0.0.0: the local network)")
    sp.add_argument("--db", type=Path, help="the session database (default "
                    "results/classroom/classroom.sqlite)")
    sp.add_argument("--new", action="store_true", help="start a new session even if the "
                    "database holds one for this case (default: resume the latest)")
    sp.add_argument("--session", metavar="JOIN_CODE", help="resume the session with this join code")
    sp.add_argument("--reference-runs", type=_positive("--reference-runs"), default=200,
                    help="simulated founders in the debriefs (default 200)")

    sp = sub.add_parser("docs", help="regenerate the generated parts of docs/ODD.md "
                        "(validation tables, adopted calibration summaries)")
    sp.add_argument("--seeds", type=_positive("--seeds"), default=200, help="runs (default 200)")
    sp.add_argument("--no-progress", action="store_true", help="no progress output")

    sp = sub.add_parser("new-case", help="write a commented template scenario and facts file "
                        "for a new company")
    sp.add_argument("name", help="the new case's name (letters, digits, '-')")
    sp.add_argument("--dir", type=Path, help="folder to write into (default: model/scenarios, "
                    "where scenarios are found by name)")

    sp = sub.add_parser("bench", help="time the baseline against a trivial Mesa model")
    sp.add_argument("--runs", type=_positive("--runs"), default=40, help="timed runs (default 40)")
    sp.add_argument("--sweep", action="store_true",
                    help="benchmark sweeps instead: 1 vs 2 jobs, memory at 1,000 and 10,000 runs, "
                         "and mesa.batch_run side by side (about 5 minutes)")
    sp.add_argument("--classroom", action="store_true",
                    help="load-test the classroom server on loopback instead: simulated students "
                         "join, play and open their debriefs; request times")
    sp.add_argument("--students", type=_positive("--students"), default=30,
                    help="--classroom: simulated students (default 30)")
    sp.add_argument("--months", type=_positive("--months"), default=26,
                    help="--classroom: board meetings each plays at most (default 26)")
    sp.add_argument("--think", type=float, default=0.0,
                    help="--classroom: mean seconds a student thinks before deciding (default 0)")
    return p


# ----------------------------------------------------------------------------- commands
# Each takes the parsed arguments and the results folder, prints, and returns the exit status.

def _weeks(args) -> list[str]:
    return [f"run.weeks={args.weeks}"] if getattr(args, "weeks", None) else []


def _scenario(args, extra=()):
    from experiments.runs.runner import load_scenario
    return load_scenario(args.scenario, list(args.sets) + list(extra))


def cmd_scenarios(args, results: Path) -> int:
    from model import scenarios
    for name in scenarios.names():
        print(f"{name:24s} {scenarios.load(name).description}")
    return 0


def cmd_params(args, results: Path) -> int:
    from experiments.runs.text import params_table
    from model.parameters import describe
    sc = _scenario(args)
    print(f"Parameters of scenario '{sc.name}': {sc.description}")
    rows = ((path, sc.distributions.get(path, value), *rest)    # a distribution as such
            for path, value, *rest in describe(sc.params, sc.sources))
    print("\n".join(params_table(rows)))
    return 0


def cmd_simulate(args, results: Path) -> int:
    from experiments.runs.storage import simulate_to
    from experiments.runs.text import summary_lines, timeline
    sc = _scenario(args, _weeks(args))
    out = args.out or results / "runs" / f"{sc.name}-seed{args.seed}"
    model, summary = simulate_to(sc, args.seed, out)
    if not args.quiet:
        print("\n".join(timeline(model, args.all_events)))
        print()
    print("\n".join(summary_lines(summary, model)))
    print(f"\nwrote {out}/weekly.csv, events.csv, summary.json")
    return 0


def cmd_validate(args, results: Path) -> int:
    from experiments.runs.progress import counting
    from experiments.analysis.facts import load_facts
    from experiments.analysis.validate import DEFAULT_ROOT_SEED, all_passed, table, validate
    sc = _scenario(args)
    facts = args.facts
    beside = Path(args.scenario[:-len(".toml")] + ".facts.toml")
    if facts is None and args.scenario.endswith(".toml") and beside.is_file():
        facts = beside                    # a scenario file's own facts, NAME.facts.toml beside it
    facts = load_facts(facts if facts is not None else sc)   # bad file: exit 2 now
    root = DEFAULT_ROOT_SEED if args.root_seed is None else args.root_seed
    draws = None
    if args.posterior:
        from experiments.calibration.report import draw, fitted_scenario
        from model.overrides import resolve
        fitted = fitted_scenario(args.posterior)            # CalibrationError: 1 line
        if fitted is not None and fitted not in _bases(sc):
            raise UsageError(f"--posterior: {args.posterior} calibrates '{fitted}', which is "
                             f"neither '{sc.name}' nor a base it inherits from; valid: a "
                             f"calibration of {', '.join(_bases(sc))}")
        # what the run is told (--set) and what the scenario draws itself (a population's
        # company inputs) is kept; the rest comes from the posterior
        own = sc.overridden() | set(sc.distributions)
        draws = [{k: v for k, v in d.items() if k not in own}
                 for d in draw(args.posterior, args.seeds, root)]
        resolve(sc, None, draws[0] if draws else None)   # a path it lacks: ParameterError, 1 line
    with counting(args.seeds, "validate", enabled=not args.no_progress):
        results = validate(sc, args.seeds, root, facts, draws)
    print("\n".join(table(results, args.seeds, sc.name,
                           str(args.posterior) if args.posterior else None)))
    return 0 if all_passed(results) else 1


def _bases(sc) -> list[str]:
    """The scenario's name and those of the scenarios it inherits from, nearest first."""
    from model.scenarios import load
    chain, base = [sc.name], sc.base
    while base and base not in chain:
        chain.append(base)
        base = load(base).base
    return chain


def cmd_bench(args, results: Path) -> int:
    if args.classroom:
        from experiments.teaching.classroom.load import report, run
        figures = Path(results) / "classroom" / "bench"
        if not 0 <= args.think <= 600:
            raise UsageError(f"bench: --think {args.think} is out of range, valid 0-600 seconds")
        print("\n".join(report(run(args.students, args.months, figures=figures,
                                    think=args.think))))
        print(f"class debrief figures: {figures}")
        return 0
    if args.sweep:
        from experiments.bench import sweeps
        print("\n".join(sweeps.report(sweeps.bench())))
        return 0
    from experiments.bench.step import bench, report
    print("\n".join(report(bench(args.runs))))
    return 0


def cmd_calibrate(args, results: Path, argv=()) -> int:
    from experiments.calibration.adopt import adopt
    from experiments.calibration.engine import calibrate
    out = args.out or results / "calibration" / args.scenario
    free = [p.strip() for p in args.free.split(",")] if args.free else None
    try:
        res = calibrate(args.scenario, out, population=args.population,
                        generations=args.generations, jobs=args.jobs, seed=args.seed,
                        resume=args.resume, force=args.force, screen_top=args.top, free=free,
                        sets=args.sets, progress=not args.no_progress)
    except KeyboardInterrupt as exc:
        print(f"error: {stopped_by(exc)}; finished generations are stored in {out}; continue "
              f"with --resume", file=sys.stderr)
        return exit_status(exc)
    a = res.abc
    print(f"calibration of '{args.scenario}': {len(res.free)} free parameters, "
          f"{len(a.epsilons)} generations, {sum(a.evaluations)} runs, final tolerance "
          f"{a.epsilons[-1]:.3g}; {sum(res.seconds.values()):.0f} s -> {out}")
    print("posterior predictive check (share of posterior runs passing; over all runs):")
    for fact, use, share, passed in res.predictive:
        print(f"  {use:5s} {fact:28s} {'-' if share is None else f'{share:.0%}':>5s}  "
              f"{'PASS' if passed else 'FAIL'}")
    print(f"report: {out / 'report.md'}")
    if args.adopt:
        command = "python run.py " + " ".join(argv)
        docs = Path(results).resolve().parent / "docs" / "calibration" / args.scenario
        for path in adopt(out, args.scenario, command, docs):
            print(f"adopted: {path}")
    return 0


def cmd_sweep(args, results: Path, argv=()) -> int:
    from experiments.runs.sweep import default_folder, make_spec, sweep
    draws = None
    if args.posterior:
        from experiments.calibration.report import draw
        draws = draw(args.posterior, args.replicates, args.seed)   # CalibrationError: 1 line
    spec = make_spec(args.scenario, args.replicates, args.vary, args.design, args.samples,
                     args.seed, args.weeks, args.sets, args.trajectories, args.model,
                     draws=draws, draws_from=str(args.posterior) if draws else None)
    out = args.out
    resume = args.resume
    if out is None:
        out = results / "sweeps" / default_folder(spec)
        # the default folder is named by the sweep's identity: an existing one is this sweep
        resume = resume or (not args.force and (out / "manifest.json").exists())
    where = args.scheduler or f"{args.jobs} local process{'es' if args.jobs > 1 else ''}"

    def started(manifest):
        print(f"sweep: {spec.n_runs} runs ({len(spec.design.points)} points x "
              f"{spec.replicates} replicates) of '{spec.scenario}' on {where} -> {out}",
              file=sys.stderr)

    try:
        res = sweep(spec, out, args.jobs, args.scheduler, resume, args.force,
                    progress=not args.no_progress, argv=argv, batch=args.chunk_size,
                    on_start=started)
    except KeyboardInterrupt as exc:
        print(f"error: {stopped_by(exc)}; finished runs are stored in {out}; continue "
              f"with --resume", file=sys.stderr)
        return exit_status(exc)
    if res.status == "already complete":
        print(f"{out}: sweep already complete ({res.done} runs, {res.failed} failed)")
        return 1 if res.failed else 0
    rate = res.ran / res.seconds if res.seconds > 0 else 0.0
    print(f"sweep {res.status}: {res.done} runs ok, {res.failed} failed, of {res.total}; "
          f"{res.ran} run in {res.seconds:.1f} s this session ({rate:.1f} runs/s) -> {out}")
    return 1 if res.failed else 0


def cmd_runs(args, results: Path) -> int:
    from experiments.analysis.overview import describe_sweep
    print("\n".join(describe_sweep(args.dir)))
    return 0


def _outcomes(args) -> list[str] | None:
    return [o.strip() for o in args.outcomes.split(",")] if args.outcomes else None


def cmd_compare(args, results: Path, argv=()) -> int:
    from experiments.analysis.report import compare_report
    out = args.out or args.dirs[0] / "report"
    if args.bins is not None and args.by is None:
        raise UsageError("--bins needs --by a numeric parameter")
    lines, md, page = compare_report(args.dirs, args.by, _outcomes(args), out,
                                     "python run.py " + " ".join(argv), args.reference,
                                     args.bins, args.response)
    print("\n".join(lines))
    print(f"\nwrote {md} and {page}")
    return 0


def cmd_plot(args, results: Path) -> int:
    from experiments.analysis.report import plot_all
    for caption, path in plot_all(args.dirs, args.by, _outcomes(args), args.out or args.dirs[0],
                                  args.bins):
        print(f"{path}  ({caption})")
    return 0


def cmd_sensitivity(args, results: Path) -> int:
    from experiments.analysis.sensitivity import analyse
    lines, path = analyse(args.dir, args.outcome, args.out or args.dir / "figures")
    print("\n".join(lines))
    print(f"wrote {path}")
    return 0


def cmd_story(args, results: Path) -> int:
    from experiments.teaching.story import write_story
    sc = _scenario(args, _weeks(args))
    out = args.out or results / "stories" / f"{sc.name}-seed{args.seed}"
    lines, path = write_story(sc, args.seed, out)
    print("\n".join(lines))
    print(f"\nwrote {out}/story.txt, {path.name}, weekly.csv, events.csv, summary.json")
    return 0


def cmd_lessons(args, results: Path) -> int:
    from experiments.teaching.lessons import lesson_lines
    if args.case is not None:
        _scenario(argparse.Namespace(scenario=args.case, sets=[]))   # unknown: one line, exit 2
    print("\n".join(lesson_lines(args.case)))
    return 0


def cmd_play(args, results: Path) -> int:
    from experiments.teaching.play import load_saved, play
    resume = None
    if args.resume:
        resume = load_saved(args.resume)
        args.scenario, args.seed = resume["scenario"], int(resume["seed"])
        args.sets = list(resume.get("sets", [])) + list(args.sets)
    sc = _scenario(args)

    def read():
        line = sys.stdin.readline()
        return line if line else None

    def write(text):
        print(text, flush=True)

    play(sc, args.seed, read, write, save=args.save or args.resume, resume=resume,
         sets=list(args.sets), debrief_seeds=args.debrief_seeds)
    return 0


def cmd_dashboard(args, results: Path) -> int:
    from experiments.teaching.launch import dashboard
    scenario = args.scenario
    if scenario.endswith(".toml"):      # the server runs in the project's folder
        scenario = str(Path(scenario).resolve())
    _scenario(argparse.Namespace(scenario=scenario, sets=[]))   # a bad one: error here, not there
    print(f"dashboard: http://{args.host}:{args.port}/  (Ctrl-C to stop)", flush=True)
    return dashboard(args.host, args.port, scenario)


def cmd_cases(args, results: Path) -> int:
    from experiments.analysis.cases import case_lines
    print("\n".join(case_lines()))
    return 0


def cmd_new_case(args, results: Path) -> int:
    from experiments.analysis.template import write_case
    folder = args.dir or Path(__file__).resolve().parents[1] / "model" / "scenarios"
    for path in write_case(args.name, folder):
        print(f"wrote {path}")
    where = args.name if args.dir is None else folder / f"{args.name}.toml"
    print(f"next: edit them (see docs/scenarios.md), then: python run.py validate "
          f"--scenario {where} --seeds 50")
    return 0


def cmd_classroom(args, results: Path) -> int:
    from experiments.teaching.classroom.server import serve
    from experiments.teaching.classroom.session import Classroom, ClassroomError
    from experiments.teaching.classroom.store import Store
    _scenario(args)                     # a bad case or --set: one error line, nothing written
    if not 0 < args.port < 65536:
        raise UsageError(f"classroom: --port {args.port} is out of range, valid 1-65535")
    path = args.db or Path(results) / "classroom" / "classroom.sqlite"
    store = Store(path)
    try:
        classroom, resumed = Classroom.open(store, args.scenario, list(args.sets), args.seed,
                                            args.own_seeds, new=args.new,
                                            join_code=args.session,
                                            reference_runs=args.reference_runs)
    except ClassroomError as exc:
        store.close()
        raise UsageError(f"classroom: {exc}") from None
    n = len(classroom.students)
    print(("resumed" if resumed else "new") + f" session {classroom.join_code}: case "
          f"{classroom.scenario_name}, " + ("own seeds" if classroom.own_seeds else
                                            f"seed {classroom.seed} for everyone")
          + (f", {n} students" if resumed else "") + f"; database {path}", flush=True)
    if resumed and (args.own_seeds != classroom.own_seeds
                    or (not args.own_seeds and args.seed != classroom.seed)):
        print("note: a resumed session keeps its own seeds; --seed and --own-seeds were not "
              "applied (add --new to start a new session with them)", flush=True)
    try:
        return serve(classroom, args.host, args.port, write=lambda t: print(t, flush=True))
    except OSError as exc:
        store.close()
        raise UsageError(f"classroom: cannot listen on {args.host}:{args.port} "
                         f"({exc.strerror or exc})") from None


def cmd_docs(args, results: Path) -> int:
    from experiments.runs.progress import counting
    from experiments.analysis.odd import generated_blocks, update
    root = Path(results).resolve().parent
    odd = root / "docs" / "ODD.md"
    if not odd.exists():
        raise UsageError(f"docs: {odd} not found (run from the project's folder)")
    from experiments.analysis.validate import DEFAULT_ROOT_SEED
    from experiments.calibration.report import draw
    from model.overrides import DEFAULT_SCENARIO
    shipped = root / "docs" / "calibration" / DEFAULT_SCENARIO / "posterior"
    posterior = ((shipped.relative_to(root).as_posix(), draw(shipped, args.seeds, DEFAULT_ROOT_SEED))
                 if (shipped / "state.json").exists() else None)
    with counting(None, "docs", enabled=not args.no_progress):
        blocks = generated_blocks(root, args.seeds, posterior=posterior)
    done = update(odd, blocks)
    print(f"updated {odd}: {', '.join(done) or 'no generated blocks found'}")
    from experiments.analysis.template import parameter_table
    guide = root / "docs" / "scenarios.md"
    if guide.exists():
        done = update(guide, {"parameters": parameter_table()})
        print(f"updated {guide}: {', '.join(done) or 'no generated blocks found'}")
    return 0


HANDLERS = {"scenarios": cmd_scenarios, "params": cmd_params, "simulate": cmd_simulate,
            "validate": cmd_validate, "calibrate": cmd_calibrate, "sweep": cmd_sweep,
            "runs": cmd_runs,
            "compare": cmd_compare, "plot": cmd_plot, "sensitivity": cmd_sensitivity,
            "story": cmd_story, "lessons": cmd_lessons, "play": cmd_play,
            "dashboard": cmd_dashboard, "bench": cmd_bench, "docs": cmd_docs,
            "cases": cmd_cases, "new-case": cmd_new_case, "classroom": cmd_classroom}
TAKES_ARGV = {"sweep", "compare", "calibrate"}   # they record the command line they were given


def main(argv=None, results: Path | str = "results", prog: str | None = None) -> int:
    """Run one command; return its exit status. ``results`` is the default output folder."""
    from experiments.calibration.abc import CalibrationError
    from experiments.runs.designs import DesignError
    from experiments.runs.store import SweepError
    from model.parameters import ParameterError
    argv = list(sys.argv[1:] if argv is None else argv)
    prog = prog or "govsim"
    args = None
    previous = _stop_on_signals()
    try:
        args = build_parser(prog).parse_args(argv)
        handler = HANDLERS[args.command]
        if args.command in TAKES_ARGV:
            status = handler(args, Path(results), argv=argv)
        else:
            status = handler(args, Path(results))
        sys.stdout.flush()        # a reader gone away is noticed here, not at exit
        return status
    except (UsageError, ParameterError, DesignError, SweepError, CalibrationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print(f"error: {stopped_by(exc)}", file=sys.stderr)
        return exit_status(exc)
    except BrokenPipeError:
        # The reader went away (e.g. "| head"): stop quietly, as command-line tools do.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141
    except OSError as exc:        # an output folder that cannot be written, a full disk, ...
        print(f"error: {os_error_line(exc, getattr(args, 'out', None))}", file=sys.stderr)
        return 2
    except Exception as exc:      # a damaged data file (pyarrow cannot read it)
        if type(exc).__module__.split(".")[0] != "pyarrow":
            raise                 # anything else is a bug: its traceback is wanted
        print(f"error: cannot read a data file: {_first_line(exc)}", file=sys.stderr)
        return 2
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def os_error_line(exc: OSError, out: Path | None = None) -> str:
    """One line for an OSError; blamed on ``--out`` when it is about that folder (the folder,
    one of its parents, a file in it, or a temporary file beside it)."""
    what = exc.strerror or _first_line(exc)
    if exc.filename is None:          # e.g. a full disk noticed when a file is closed
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
            return f"--out {out}: cannot write there ({what})" if out else f"cannot write: {what}"
        return what
    path = Path(exc.filename)
    if out is not None:
        out = Path(out)
        if path.parent == out.parent and path.name.startswith(f".{out.name}."):
            return f"--out {out}: cannot write there ({what})"      # our temporary file
        if path == out or out in path.parents or path in out.parents:
            return f"--out {out}: cannot write there ({path}: {what})"
    return f"{path}: {what}"


def console() -> None:
    """Entry point of the ``govsim`` console script."""
    sys.exit(main(prog="govsim"))
