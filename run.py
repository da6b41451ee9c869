#!/usr/bin/env python3
"""Command line of the startup governance simulation.

    python run.py scenarios
    python run.py params --scenario stability-ai
    python run.py simulate --scenario stability-ai --seed 7 [--weeks N] [--set path=value ...] [--out DIR]
    python run.py validate --scenario stability-ai [--seeds 200]
    python run.py bench [--runs 40]

Bad input prints one line starting with "error:" and exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
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
                           metavar="{scenarios,params,simulate,validate,bench}")
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

    sp = sub.add_parser("bench", help="time the baseline against a trivial Mesa model")
    sp.add_argument("--runs", type=_positive("--runs"), default=40, help="timed runs (default 40)")
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
    from experiments.bench import bench, report
    print("\n".join(report(bench(args.runs))))
    return 0


COMMANDS = {"scenarios": cmd_scenarios, "params": cmd_params, "simulate": cmd_simulate,
            "validate": cmd_validate, "bench": cmd_bench}


def main(argv=None) -> int:
    from model.parameters import ParameterError
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except (UsageError, ParameterError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
