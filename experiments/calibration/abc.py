"""ABC-SMC (population Monte Carlo) with an adaptive tolerance, reproducible and resumable.

The algorithm is that of Beaumont et al. (2009, Biometrika 96:983) and Toni et al. (2009,
J R Soc Interface 6:187), with the tolerance schedule adapted from the previous population
as in Del Moral et al. (2012, Stat Comput 22:1009):

* generation 0 draws ``ceil(N / alpha)`` candidates from the prior and keeps the N closest
  (epsilon_0 = their largest distance, i.e. the alpha-quantile of the prior's distances);
* generation t > 0 sets epsilon_t = the alpha-quantile of generation t-1's accepted
  distances, and proposes from generation t-1: a particle drawn by weight, moved by a
  multivariate normal kernel with covariance 2 x the weighted empirical covariance, on the
  priors' transformed scale (logit for uniform, log for log-uniform priors); a proposal
  outside the prior's support is redrawn without simulating. One simulated run per proposal
  (the record is one realised history); accepted when its distance <= epsilon_t;
* weights w_i = prior(z_i) / sum_j w_j K(z_i | z_j), normalised; the effective sample size
  is 1 / sum w_i^2.

Determinism (a project rule: byte-identical results for a seed, whatever the workers). All
randomness comes from ``numpy.random.SeedSequence(seed, spawn_key=(generation, batch))``,
which is the child ``SeedSequence(seed).spawn(g + 1)[g].spawn(b + 1)[b]``: proposals and
their run seeds are made in fixed-size batches whose streams depend on nothing else.
Batches are evaluated in parallel, but read in batch order, and a generation keeps the first
N accepted candidates in candidate order (not completion order). Batches computed beyond
that point are discarded.

Storage. Each completed generation is written atomically to
``OUT/generations/gen-NNN.parquet`` (one column per parameter on the natural scale, the same
on the z scale as ``z:PATH``, ``weight``, ``distance``, ``seed``), then ``OUT/state.json``
(priors, settings, and per generation epsilon, evaluations, acceptance rate, ESS, seconds).
``resume=True`` continues after the last complete generation and ends with the same
particles as an uninterrupted run; it refuses other settings. Ctrl-C keeps every complete
generation. When the run stops, ``OUT/particles.parquet`` holds the final population.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.calibration.parallel import OrderedPool
from experiments.calibration.priors import Prior
from experiments.runs.progress import Progress
from experiments.runs.store import read_state_file

FORMAT = "govsim-abc-smc/1"


class CalibrationError(ValueError):
    """Bad calibration input or folder state (one line)."""


@dataclass
class ABCResult:
    """A finished (or stopped) ABC-SMC: the last population and the history."""
    priors: list[Prior]
    particles: pd.DataFrame        # one column per parameter path, natural scale
    weights: np.ndarray            # normalised
    distances: np.ndarray
    seeds: np.ndarray
    epsilons: list[float]
    evaluations: list[int]         # simulations the generation needed (deterministic)
    acceptance: list[float]        # N / evaluations
    ess: list[float]
    seconds: list[float]
    stopped: str = ""              # why it stopped
    folder: Path | None = None

    @property
    def names(self) -> list[str]:
        return [p.path for p in self.priors]


@dataclass
class _Population:
    z: np.ndarray                  # (N, d) transformed scale
    weights: np.ndarray
    distances: np.ndarray
    seeds: np.ndarray


@dataclass
class _Gen:
    epsilon: float
    evaluations: int
    acceptance: float
    ess: float
    seconds: float
    simulated: int = 0             # runs actually made, incl. batches discarded (timing-dependent)
    failures: int = 0
    extra: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- proposals

def _stream(seed: int, generation: int, batch: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(generation, batch)))


def _kernel(pop: _Population) -> tuple[np.ndarray, np.ndarray]:
    """(covariance, its Cholesky factor): 2 x the weighted covariance, with a small ridge."""
    d = pop.z.shape[1]
    cov = 2.0 * np.atleast_2d(np.cov(pop.z, rowvar=False, aweights=pop.weights, ddof=0))
    ridge = 1e-9 * max(1.0, float(np.max(np.diag(cov)))) * np.eye(d)
    for _ in range(8):
        try:
            return cov + ridge, np.linalg.cholesky(cov + ridge)
        except np.linalg.LinAlgError:
            ridge *= 100
    raise CalibrationError("the kernel covariance is singular (the population collapsed)")


def _in_support(priors, z: np.ndarray) -> np.ndarray:
    ok = np.ones(z.shape[0], dtype=bool)
    for k, p in enumerate(priors):
        ok &= p.in_support_z(z[:, k])
    return ok


def _propose(priors, seed, gen, batch, size, pop: _Population | None, chol, cum):
    """``size`` proposals (z) and their run seeds from batch ``batch``'s own stream."""
    rng = _stream(seed, gen, batch)
    d = len(priors)
    if pop is None:
        z = np.column_stack([p.sample_z(rng, size) for p in priors])
    else:
        z = np.empty((size, d))
        for i in range(size):
            for _attempt in range(10_000):
                j = int(np.searchsorted(cum, rng.random() * cum[-1], side="right"))
                cand = pop.z[min(j, len(cum) - 1)] + chol @ rng.standard_normal(d)
                if _in_support(priors, cand[None, :])[0]:
                    break
            else:
                raise CalibrationError("no proposal inside the prior's support in 10,000 tries")
            z[i] = cand
    seeds = rng.integers(0, 2 ** 63 - 1, size=size, dtype=np.int64)
    return z, seeds


def _thetas(priors, z: np.ndarray) -> list[dict]:
    cols = [p.from_z(z[:, k]) for k, p in enumerate(priors)]
    return [{p.path: float(cols[k][i]) for k, p in enumerate(priors)} for i in range(z.shape[0])]


def _evaluate(simulate, thetas: list[dict], seeds: list[int]) -> tuple[list[float], str]:
    """Worker: the distance of one run per proposal; a failing run counts as +inf."""
    out, err = [], ""
    for theta, s in zip(thetas, seeds):
        try:
            d = float(simulate(theta, int(s)))
            out.append(d if d == d else math.inf)
        except Exception as exc:   # noqa: BLE001 - a failed run is never accepted
            out.append(math.inf)
            err = err or f"{type(exc).__name__}: {exc}"
    return out, err


def _logpdf_prior(priors, z: np.ndarray) -> np.ndarray:
    return sum(p.logpdf_z(z[:, k]) for k, p in enumerate(priors))


def _weights(priors, z: np.ndarray, prev: _Population | None, cov) -> np.ndarray:
    if prev is None:
        return np.full(z.shape[0], 1.0 / z.shape[0])
    inv = np.linalg.inv(cov)
    _, logdet = np.linalg.slogdet(cov)
    d = z.shape[1]
    logw_prev = np.log(prev.weights)
    logq = np.empty(z.shape[0])
    for start in range(0, z.shape[0], 256):
        diff = z[start:start + 256, None, :] - prev.z[None, :, :]
        m = np.einsum("ijk,kl,ijl->ij", diff, inv, diff)
        logk = -0.5 * (m + logdet + d * math.log(2 * math.pi))
        a = logk + logw_prev[None, :]
        top = a.max(axis=1, keepdims=True)
        logq[start:start + 256] = (top + np.log(np.exp(a - top).sum(axis=1, keepdims=True)))[:, 0]
    logw = _logpdf_prior(priors, z) - logq
    logw -= logw.max()
    w = np.exp(logw)
    return w / w.sum()


# --------------------------------------------------------------------------- storage

def _atomic_bytes(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def _write_json(path: Path, data: dict) -> None:
    _atomic_bytes(path, lambda t: t.write_text(json.dumps(data, indent=2) + "\n",
                                               encoding="utf-8"))


def _frame(priors, pop: _Population) -> pd.DataFrame:
    data = {}
    for k, p in enumerate(priors):
        data[p.path] = p.from_z(pop.z[:, k])
    for k, p in enumerate(priors):
        data[f"z:{p.path}"] = pop.z[:, k]
    data["weight"] = pop.weights
    data["distance"] = pop.distances
    data["seed"] = pop.seeds.astype(np.int64)
    return pd.DataFrame(data)


def gen_path(out: Path, g: int) -> Path:
    return Path(out) / "generations" / f"gen-{g:03d}.parquet"


def _write_gen(out: Path, g: int, priors, pop: _Population) -> None:
    _atomic_bytes(gen_path(out, g), lambda t: _frame(priors, pop).to_parquet(t, index=False))


def _read_gen(out: Path, g: int, priors) -> _Population:
    path = gen_path(out, g)
    try:
        df = pd.read_parquet(path)
    except FileNotFoundError:
        raise CalibrationError(f"{out}: generation {g} is missing ({path.name}); "
                               f"state.json says it is complete") from None
    except (OSError, ValueError) as exc:
        raise CalibrationError(f"{out}: {path.name} is unreadable ({exc})") from None
    missing = [p.path for p in priors if f"z:{p.path}" not in df.columns]
    if missing or not {"weight", "distance", "seed"} <= set(df.columns):
        raise CalibrationError(f"{out}: {path.name} does not match state.json (no column for "
                               f"{(missing or ['weight/distance/seed'])[0]})")
    z = np.column_stack([df[f"z:{p.path}"].to_numpy(float) for p in priors])
    return _Population(z, df["weight"].to_numpy(float), df["distance"].to_numpy(float),
                       df["seed"].to_numpy(np.int64))


def read_state(out: Path) -> dict:
    state = read_state_file(out, "state.json", "calibration folder", CalibrationError)
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CalibrationError(f"{out}: state.json is not an ABC-SMC state of this tool")
    return state


def _short(v) -> str:
    s = json.dumps(v, sort_keys=True)
    return s if len(s) <= 60 else s[:57] + "..."


def _difference(stored: dict, now: dict) -> str | None:
    """The first setting that differs, in words (None: the same)."""
    for key in sorted(set(stored) | set(now)):
        a, b = stored.get(key), now.get(key)
        if a == b:
            continue
        if key == "priors" and isinstance(a, list) and isinstance(b, list):
            pa_, pb_ = {p["path"]: p for p in a}, {p["path"]: p for p in b}
            if list(pa_) != list(pb_):
                return f"the free parameters differ (stored {_short(list(pa_))}, now {_short(list(pb_))})"
            for path in pa_:
                if pa_[path] != pb_[path]:
                    diff = [k for k in pa_[path] if pa_[path][k] != pb_[path].get(k)]
                    return (f"the prior of {path} differs in {', '.join(diff)} (stored "
                            f"{_short({k: pa_[path][k] for k in diff})}, now "
                            f"{_short({k: pb_[path][k] for k in diff})})")
        return f"{key} differs (stored {_short(a)}, now {_short(b)})"
    return None


def _result(out: Path, priors, state: dict, pop: _Population) -> ABCResult:
    gens = state["generations"]
    df = _frame(priors, pop)
    return ABCResult(priors, df[[p.path for p in priors]], pop.weights, pop.distances,
                     pop.seeds, [g["epsilon"] for g in gens], [g["evaluations"] for g in gens],
                     [g["acceptance"] for g in gens], [g["ess"] for g in gens],
                     [g["seconds"] for g in gens], state.get("stopped", ""), Path(out))


def _finish(out: Path, priors, pop: _Population) -> None:
    df = _frame(priors, pop)
    df = df[[p.path for p in priors] + ["weight", "distance", "seed"]]
    _atomic_bytes(Path(out) / "particles.parquet", lambda t: df.to_parquet(t, index=False))


# --------------------------------------------------------------------------- the loop

def _next_acceptance(gens: list[_Gen]) -> float | None:
    """Forecast of the next generation's acceptance rate (share), or None before two
    generations: acceptance has fallen by a roughly constant factor per generation as the
    tolerance tightens by its quantile, so the next rate ~ last * (last / previous)."""
    if len(gens) < 3 or gens[-2].acceptance <= 0.0:   # generation 0 accepts by construction
        return None
    return gens[-1].acceptance * gens[-1].acceptance / gens[-2].acceptance


def _stop_reason(gens: list[_Gen], settings: dict) -> str:
    t = len(gens) - 1
    last = gens[-1]
    if t + 1 >= settings["generations"]:
        return f"reached {settings['generations']} generations"
    if last.epsilon <= settings["min_epsilon"]:
        return f"epsilon {last.epsilon:.4g} <= min_epsilon {settings['min_epsilon']:g}"
    if t >= 1 and last.acceptance < settings["min_acceptance"]:
        return (f"acceptance {last.acceptance:.2%} < min_acceptance "
                f"{settings['min_acceptance']:.2%}")
    forecast = _next_acceptance(gens)
    if forecast is not None and forecast < settings["min_acceptance"]:
        # Why: such a generation would run up to N / min_acceptance candidates only to be
        # abandoned (a third of the ABC's time in session 9); stop before it instead.
        return (f"next generation's acceptance forecast {forecast:.2%} < min_acceptance "
                f"{settings['min_acceptance']:.2%} (the last two generations' trend)")
    if t >= 1 and gens[-2].epsilon > 0:
        gain = (gens[-2].epsilon - last.epsilon) / gens[-2].epsilon
        if gain < settings["min_improvement"]:
            return f"epsilon improved by {gain:.1%} < min_improvement {settings['min_improvement']:.0%}"
    return ""


def _gen_dict(g: _Gen) -> dict:
    return {"epsilon": g.epsilon, "evaluations": g.evaluations, "acceptance": g.acceptance,
            "ess": g.ess, "seconds": g.seconds, "simulated": g.simulated,
            "failures": g.failures, **g.extra}


def abc_smc(priors: list[Prior], simulate, out, *, population: int = 500, alpha: float = 0.5,
            generations: int = 12, min_epsilon: float = 0.0, min_acceptance: float = 0.03,
            min_improvement: float = 0.05, batch_size: int = 50, seed: int = 20221017,
            jobs: int = 1, resume: bool = False, force: bool = False, tag: dict | None = None,
            progress: bool = True, stream=None) -> ABCResult:
    """Run (or continue) an ABC-SMC of ``simulate`` under ``priors``, stored in ``out``.

    ``simulate(theta: dict[path, value], seed: int) -> float`` is the distance of one run from
    the record (>= 0), a picklable top-level callable. It stops after ``generations``, or when
    epsilon <= ``min_epsilon``, or the acceptance rate < ``min_acceptance`` (a generation
    that would need more than N / min_acceptance candidates is abandoned, and one is not
    started when the last two generations' trend forecasts a rate below it), or epsilon
    improved by less than ``min_improvement`` (relative). ``tag``: caller's settings that
    must match on resume too (e.g. the scenario).
    """
    priors = list(priors)
    if not priors:
        raise CalibrationError("no parameters to calibrate (empty priors)")
    if population < 2 or not 0 < alpha < 1 or batch_size < 1 or generations < 1:
        raise CalibrationError("need population >= 2, 0 < alpha < 1, batch_size >= 1, "
                               "generations >= 1")
    out = Path(out)
    stream = stream or sys.stderr
    name = getattr(simulate, "__qualname__", type(simulate).__qualname__)
    settings = {"priors": [p.to_dict() for p in priors], "population": int(population),
                "alpha": float(alpha), "generations": int(generations),
                "min_epsilon": float(min_epsilon), "min_acceptance": float(min_acceptance),
                "min_improvement": float(min_improvement), "batch_size": int(batch_size),
                "seed": int(seed), "simulate": f"{getattr(simulate, '__module__', '?')}.{name}",
                "tag": tag or {}}
    gens: list[_Gen] = []
    pop: _Population | None = None
    state_path = out / "state.json"
    if state_path.exists() and resume:
        state = read_state(out)
        why = _difference(state["settings"], settings)
        if why:
            raise CalibrationError(f"cannot resume {out}: {why}")
        for g, rec in enumerate(state["generations"]):
            if not gen_path(out, g).exists():
                raise CalibrationError(f"cannot resume {out}: {gen_path(out, g).name} is missing")
            gens.append(_Gen(rec["epsilon"], rec["evaluations"], rec["acceptance"], rec["ess"],
                             rec["seconds"], rec.get("simulated", 0), rec.get("failures", 0)))
        if gens:
            pop = _read_gen(out, len(gens) - 1, priors)
        if state.get("stopped"):
            return _result(out, priors, state, pop)
    elif state_path.exists() and not force:
        raise CalibrationError(f"{out} holds a calibration already; resume it or use force")
    else:
        if force and (out / "generations").exists():
            for f in (out / "generations").glob("gen-*.parquet"):
                f.unlink()
        for f in ("particles.parquet",):
            if (out / f).exists():
                (out / f).unlink()
    state = {"format": FORMAT, "settings": settings,
             "generations": [_gen_dict(g) for g in gens], "stopped": ""}
    _write_json(state_path, state)

    N, B = int(population), int(batch_size)
    stopped = ""
    with OrderedPool(jobs) as pool:
        while True:
            g = len(gens)
            t0 = time.perf_counter()
            if pop is None:             # generation 0: from the prior, keep the N closest
                n0 = math.ceil(N / alpha)
                bar = Progress(n0, stream=stream, label=f"abc gen {g}", unit="run") \
                    if progress else None
                nb = math.ceil(n0 / B)
                props = [_propose(priors, seed, g, b, min(B, n0 - b * B), None, None, None)
                         for b in range(nb)]
                res = pool.map(_evaluate, [(simulate, _thetas(priors, z), s.tolist())
                                           for z, s in props],
                               on_result=(lambda i, r: bar.update(len(r[0]))) if bar else None)
                if bar:
                    bar.close()
                z = np.vstack([p[0] for p in props])
                sd = np.concatenate([p[1] for p in props])
                dist = np.array([d for r in res for d in r[0]])
                errs = [r[1] for r in res if r[1]]
                fails = int(np.sum(~np.isfinite(dist)))
                if fails == len(dist):
                    raise CalibrationError(f"every run failed, e.g. {errs[0] if errs else '?'}")
                order = np.lexsort((np.arange(len(dist)), dist))[:N]
                order.sort()                    # keep candidate order
                eps = float(dist[order].max())
                newpop = _Population(z[order], np.full(N, 1.0 / N), dist[order], sd[order])
                gen = _Gen(eps, n0, N / n0, float(N), 0.0, n0, fails)
            else:
                eps = float(np.quantile(pop.distances, alpha))
                cov, chol = _kernel(pop)
                cum = np.cumsum(pop.weights)
                cap = math.ceil(N / settings["min_acceptance"]) if settings["min_acceptance"] > 0 \
                    else 1000 * N
                bar = Progress(N, stream=stream, label=f"abc gen {g} (eps {eps:.4g})",
                               unit="particle") if progress else None
                acc_z, acc_d, acc_s = [], [], []
                futures: dict[int, object] = {}
                batches: dict[int, tuple] = {}
                nxt, b, used, simulated, fails, errs = 0, 0, 0, 0, 0, []
                ahead = 2 * pool.jobs
                try:
                    while len(acc_d) < N and used < cap:
                        while nxt < b + ahead and nxt * B < cap:
                            zb, sb = _propose(priors, seed, g, nxt, B, pop, chol, cum)
                            batches[nxt] = (zb, sb)
                            futures[nxt] = pool.submit(_evaluate, simulate, _thetas(priors, zb),
                                                       sb.tolist())
                            nxt += 1
                        if b not in futures:
                            break
                        dists, err = futures.pop(b).result()
                        zb, sb = batches.pop(b)
                        simulated += len(dists)
                        if err:
                            errs.append(err)
                        before = len(acc_d)
                        for i, dval in enumerate(dists):
                            if used >= cap:
                                break
                            used += 1
                            if not math.isfinite(dval):
                                fails += 1
                            if dval <= eps:
                                acc_z.append(zb[i]), acc_d.append(dval), acc_s.append(sb[i])
                                if len(acc_d) == N:
                                    break
                        if bar:
                            bar.update(len(acc_d) - before)
                        if fails == used and used >= B:
                            raise CalibrationError(f"every run failed, e.g. {errs[0] if errs else '?'}")
                        b += 1
                finally:
                    for f in futures.values():
                        f.cancel()
                    if bar:
                        bar.close()
                if len(acc_d) < N:
                    stopped = (f"generation {g} abandoned: {len(acc_d)} of {N} accepted in "
                               f"{used} runs (acceptance below {settings['min_acceptance']:.2%})")
                    break
                z = np.array(acc_z)
                w = _weights(priors, z, pop, cov)
                newpop = _Population(z, w, np.array(acc_d), np.array(acc_s, dtype=np.int64))
                gen = _Gen(eps, used, N / used, float(1.0 / np.sum(w ** 2)), 0.0, simulated,
                           fails)
            gen.seconds = round(time.perf_counter() - t0, 3)
            _write_gen(out, g, priors, newpop)
            gens.append(gen)
            pop = newpop
            stopped = _stop_reason(gens, settings)
            state["generations"] = [_gen_dict(x) for x in gens]
            state["stopped"] = stopped
            if stopped:
                _finish(out, priors, pop)
            _write_json(state_path, state)
            print(f"abc gen {g}: epsilon {gen.epsilon:.4g}, {gen.evaluations} runs, acceptance "
                  f"{gen.acceptance:.1%}, ESS {gen.ess:.0f}, {gen.seconds:.1f} s"
                  + (f", {gen.failures} failed runs" if gen.failures else ""),
                  file=stream, flush=True)
            if stopped:
                break
    if not state["stopped"]:                 # abandoned generation: the previous one is final
        state["stopped"] = stopped
        _finish(out, priors, pop)
        _write_json(state_path, state)
    print(f"abc stopped: {state['stopped']}", file=stream, flush=True)
    return _result(out, priors, state, pop)


def load_result(out) -> ABCResult:
    """The stored result of a calibration folder (its last complete generation)."""
    out = Path(out)
    state = read_state(out)
    priors = [Prior.from_dict(p) for p in state["settings"]["priors"]]
    n = len(state["generations"])
    if n == 0:
        raise CalibrationError(f"{out}: no complete generation yet")
    return _result(out, priors, state, _read_gen(out, n - 1, priors))
