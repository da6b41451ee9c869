"""Kaplan-Meier quantiles of censored event times."""

import numpy as np
import pytest

from experiments.analysis import statistics as st
from experiments.analysis.statistics import km_quantiles

# Hand-computed example. Times 1..7, '+' = censored:  1, 2, 2+, 3, 4+, 5, 6, 7+
#   t=1: 8 at risk, 1 event  S = 7/8            = 0.875   F = 0.125
#   t=2: 7 at risk, 1 event  S = 0.875 * 6/7    = 0.75    F = 0.25   (the 2+ is at risk at 2)
#   t=3: 5 at risk, 1 event  S = 0.75 * 4/5     = 0.6     F = 0.4
#   t=5: 3 at risk, 1 event  S = 0.6 * 2/3      = 0.4     F = 0.6
#   t=6: 2 at risk, 1 event  S = 0.4 * 1/2      = 0.2     F = 0.8
#   the curve never reaches F = 0.9 (the last time is censored)
TIMES = [1, 2, 2, 3, 4, 5, 6, 7]
OBSERVED = [True, True, False, True, False, True, True, False]


def test_km_quantiles_hand_computed_example_with_censoring():
    q = km_quantiles(TIMES, OBSERVED)
    assert q.median == 5.0       # first time with F >= 0.5
    assert q.lo == 1.0           # F(1) = 0.125 >= 0.1
    assert q.hi is None          # F never reaches 0.9
    assert (q.observed, q.n) == (5, 8)


@pytest.mark.parametrize("p,expected", [(0.125, 1.0), (0.2, 2.0), (0.25, 2.0), (0.3, 3.0),
                                        (0.4, 3.0), (0.45, 5.0), (0.6, 5.0), (0.7, 6.0),
                                        (0.8, 6.0), (0.81, None)])
def test_km_quantiles_at_and_between_the_steps(p, expected):
    assert km_quantiles(TIMES, OBSERVED, probs=(p, p, p)).median == expected


def test_censoring_differs_from_dropping_or_counting_as_events():
    # Dropping the censored runs, or treating them as events, gives other medians.
    q = km_quantiles(TIMES, OBSERVED).median
    kept = [t for t, o in zip(TIMES, OBSERVED) if o]
    assert km_quantiles(kept, [True] * len(kept)).median == 3.0
    assert km_quantiles(TIMES, [True] * len(TIMES)).median == 3.0
    assert q == 5.0


def test_without_censoring_km_is_the_empirical_quantile():
    times = np.arange(1, 11)
    q = km_quantiles(times, np.ones(10, dtype=bool))
    assert (q.median, q.lo, q.hi, q.observed, q.n) == (5.0, 1.0, 9.0, 10, 10)


def test_no_events_gives_no_quantiles():
    q = km_quantiles([10, 20, 30], [False, False, False])
    assert (q.median, q.lo, q.hi, q.observed, q.n) == (None, None, None, 0, 3)


def test_order_of_the_runs_does_not_matter():
    rng = np.random.default_rng(5)
    idx = rng.permutation(len(TIMES))
    assert km_quantiles(np.array(TIMES)[idx], np.array(OBSERVED)[idx]) == km_quantiles(TIMES, OBSERVED)


def test_restricted_mean_without_censoring_is_the_mean_capped_at_the_horizon():
    t = np.array([3.0, 8.0, 15.0, 40.0, 90.0])
    assert st.restricted_mean(t, np.ones(5, bool), 50.0) == pytest.approx(
        np.mean(np.minimum(t, 50.0)))


def test_restricted_mean_counts_a_censored_run_only_as_long_as_it_was_watched():
    # one event at week 10, one run watched until week 20 without it: S = 1/2 from week 10
    # to the horizon (30), so the area is 10 + 20 / 2 = 20; taking week 20 as an event
    # would give 15, and taking the horizon for it 20 only by luck of this example
    assert st.restricted_mean([10, 20], [True, False], 30.0) == pytest.approx(20.0)
    assert st.restricted_mean([10, 20], [True, False], 60.0) == pytest.approx(35.0)
    assert st.restricted_mean([5, 7], [False, False], 52.0) == 52.0
