"""Executives and researchers: capacity, the core team, departures, ethics."""

import statistics

import pytest

from conftest import batch, column, events, make_params, seeds
from model import StartupModel

# no unrelated staff turnover or hiring: differences in capacity come from who left
QUIET_STAFF = ("workforce.base_turnover=0", "workforce.hiring_per_week=0")


def capacity_after_first_week(leave, seed, *sets):
    """Capacity at the end of week 0 after ``leave(model)`` picked people who leave first."""
    m = StartupModel(make_params("stability-ai", *QUIET_STAFF, *sets), seed=seed)
    for person in leave(m):
        m.employee_leaves(person, "test", "test")
    m.step()
    return m.capacity, m


def test_departures_lower_capacity():
    for seed in seeds(5):
        full, _ = capacity_after_first_week(lambda m: [], seed)
        one, _ = capacity_after_first_week(lambda m: [m.researchers[-1]], seed)
        core, _ = capacity_after_first_week(lambda m: [m.researchers[0]], seed)
        execs, _ = capacity_after_first_week(lambda m: m.executives[:4], seed)
        many, _ = capacity_after_first_week(lambda m: m.researchers[:3] + m.executives[:4], seed)
        assert core < one < full
        assert execs < full
        assert many < min(core, execs)


def test_a_core_researcher_weighs_core_weight_researchers():
    for seed in seeds(3):
        core, m = capacity_after_first_week(lambda m: [m.researchers[0]], seed)
        w = m.p.workforce.core_weight
        five, _ = capacity_after_first_week(lambda m: m.researchers[-int(w):], seed)
        assert core == pytest.approx(five, rel=1e-3)


def test_core_team_departed_when_two_of_three_core_researchers_are_gone(baseline):
    assert baseline.params.workforce.core_researchers == 3
    m = StartupModel(baseline.params, seed=seeds(1)[0])
    for _ in range(5):
        m.step()
    core = [r for r in m.researchers if r.core]
    assert len(core) == 3 and m.core_team_departed_week is None
    m.employee_leaves(core[0], "test", "test")
    assert m.core_team_departed_week is None
    before = m.core_departed_fraction
    m.employee_leaves(core[1], "test", "test")
    assert m.core_team_departed_week == m.week == 5
    m.step()
    assert m.core_departed_fraction > before        # the CEO feels it as pressure
    m.employee_leaves(core[2], "test", "test")               # the third does not move the date
    assert m.core_team_departed_week == 5
    assert [e.role for e in events(m, "departure")][-3:] == ["core researcher"] * 3


def test_non_core_departures_never_mark_the_core_team_gone(baseline):
    m = StartupModel(baseline.params, seed=seeds(1)[0])
    m.step()
    for r in [r for r in m.researchers if not r.core][:20]:
        m.employee_leaves(r, "test", "test")
    assert m.core_team_departed_week is None


def test_core_team_week_matches_the_second_core_departure_in_runs():
    found = 0
    for m in batch(n=30):
        weeks = [e.week for e in events(m, "departure", role="core researcher")]
        expected = weeks[1] if len(weeks) >= 2 else None
        assert m.core_team_departed_week == expected
        found += expected is not None
    assert found >= 3


def test_headcount_columns_track_departures_and_hires():
    for m in batch(n=10):
        execs = column(m, "executives")
        start = len(m.p.executives)
        for w in range(len(execs)):
            left = sum(1 for e in m.events if e.week <= w and e.event == "departure"
                       and e.role == "executive")
            hired = sum(1 for e in m.events if e.week <= w and e.event == "hire")
            assert execs[w] == start - left + hired, w


def _vp_audio_trust(stance, seed, weeks=3, ethics=None):
    sets = [f"company.copyright_stance={stance}"]
    if ethics is not None:
        sets.append(f"executives.vp_audio.ethics={ethics}")
    m = StartupModel(make_params("stability-ai", *sets), seed=seed)
    vp = next(e for e in m.executives if e.title == "VP audio")
    for _ in range(weeks):
        m.step()
    return vp.trust if vp.present else None


def test_ethical_disagreement_lowers_trust_faster_under_a_hard_copyright_stance(baseline):
    assert baseline.params.executives["vp_audio"].ethics == 1.0
    compared = 0
    for seed in seeds(8):
        hard, soft = _vp_audio_trust(1.0, seed), _vp_audio_trust(0.0, seed)
        if hard is None or soft is None:
            continue
        assert hard < soft - 0.02, (seed, hard, soft)
        compared += 1
    assert compared >= 5


def test_an_executive_without_ethical_concerns_ignores_the_stance():
    for seed in seeds(3):
        assert _vp_audio_trust(1.0, seed, weeks=1, ethics=0.0) == _vp_audio_trust(0.0, seed, weeks=1,
                                                                                 ethics=0.0)


def test_the_ethics_executive_leaves_earlier_under_a_hard_stance():
    def leave_week(m):
        d = [e.week for e in events(m, "departure", role="executive") if e.agent == "VP audio"]
        return d[0] if d else m.week
    hard = [leave_week(m) for m in batch(sets=("company.copyright_stance=1",), n=20)]
    soft = [leave_week(m) for m in batch(sets=("company.copyright_stance=0",), n=20)]
    assert statistics.median(hard) + 8 <= statistics.median(soft), (hard, soft)


def test_core_researchers_take_core_ethics_and_the_others_keep_their_draws():
    for seed in seeds(3):
        cold = StartupModel(make_params("stability-ai", "workforce.core_ethics=0"), seed=seed)
        warm = StartupModel(make_params("stability-ai", "workforce.core_ethics=0.7"), seed=seed)
        n = cold.p.workforce.core_researchers
        assert n == 3 and [r.core for r in cold.researchers[:n + 1]] == [True] * n + [False]
        assert [r.ethics for r in cold.researchers[:n]] == [0.0] * n
        assert [r.ethics for r in warm.researchers[:n]] == [0.7] * n
        # the rest of the research staff draw the same sensitivities either way
        others = [r.ethics for r in cold.researchers[n:]]
        assert others == [r.ethics for r in warm.researchers[n:]]
        assert len(set(others)) > 1 and max(others) <= cold.p.workforce.researcher_ethics_max


def test_a_core_team_that_objects_to_the_stance_leaves_over_it_and_sooner():
    def core_departures(core_ethics):
        runs = batch(sets=("company.copyright_stance=1", f"workforce.core_ethics={core_ethics}"),
                     n=30)
        return [e for m in runs for e in events(m, "departure", role="core researcher")], runs
    calm, calm_runs = core_departures(0.0)
    upset, upset_runs = core_departures(1.0)
    copyright = "disagreement over the copyright stance"
    assert not any(e.cause == copyright for e in calm)
    assert sum(e.cause == copyright for e in upset) >= 10
    gone = [statistics.mean(m.core_team_departed_week if m.core_team_departed_week is not None
                            else m.week for m in runs) for runs in (calm_runs, upset_runs)]
    assert gone[1] + 10 <= gone[0], gone
