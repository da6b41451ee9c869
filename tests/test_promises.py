"""Promises: the chance of keeping them, the promise book, and who makes them."""

import itertools
import re

import numpy as np

from conftest import batch, events, founder_events
from model import load
from model.promises import Promise, PromiseBook, keep_probability

POLICY = load("stability-ai").params.policy
CAPPED = load("stability-ai", ["policy.keep_max=0.4"]).params.policy

AMBITIONS = np.linspace(0.0, 2.0, 21)
CAPACITIES = np.linspace(0.0, 2.0, 21)
CASH = np.linspace(0.0, 1.0, 11)


def test_keep_probability_within_bounds_and_capped_by_keep_max():
    for policy in (POLICY, CAPPED):
        ps = [keep_probability(float(a), float(c), float(k), policy)
              for a, c, k in itertools.product(AMBITIONS, CAPACITIES, CASH)]
        assert all(0.0 <= p <= policy.keep_max for p in ps)
        assert max(ps) == policy.keep_max      # the cap is reached: it is what binds
    # below the cap the two policies agree: keep_max only clips
    for a, c, k in itertools.product(AMBITIONS, CAPACITIES, CASH):
        p = keep_probability(float(a), float(c), float(k), POLICY)
        if p < CAPPED.keep_max:
            assert keep_probability(float(a), float(c), float(k), CAPPED) == p


def test_keep_probability_decreasing_in_ambition():
    for c, k in itertools.product(CAPACITIES, CASH):
        ps = [keep_probability(float(a), float(c), float(k), POLICY) for a in AMBITIONS]
        assert all(x >= y for x, y in zip(ps, ps[1:])), (c, k)
        if 0.0 < ps[-1] and ps[0] < POLICY.keep_max:   # not clipped: strictly decreasing
            assert all(x > y for x, y in zip(ps, ps[1:])), (c, k)
    # a grand promise is kept far less often than a modest one
    assert keep_probability(2.0, 1.0, 1.0, POLICY) < 0.5 * keep_probability(0.0, 1.0, 1.0, POLICY)


def test_keep_probability_increasing_in_capacity_and_cash_comfort():
    for a, k in itertools.product(AMBITIONS, CASH):
        ps = [keep_probability(float(a), float(c), float(k), POLICY) for c in CAPACITIES]
        assert all(x <= y for x, y in zip(ps, ps[1:])), (a, k)
    for a, c in itertools.product(AMBITIONS, CAPACITIES):
        ps = [keep_probability(float(a), float(c), float(k), POLICY) for k in CASH]
        assert all(x <= y for x, y in zip(ps, ps[1:])), (a, c)
    assert keep_probability(0.5, 0.3, 0.5, POLICY) < keep_probability(0.5, 0.9, 0.5, POLICY)
    assert keep_probability(0.5, 0.8, 0.0, POLICY) < keep_probability(0.5, 0.8, 1.0, POLICY)
    assert keep_probability(0.0, 0.0, 1.0, POLICY) == 0.0


def test_promise_book_due_returns_and_removes_only_due_promises():
    book = PromiseBook()
    ps = [Promise("investors", 0, 3, 0.1), Promise("staff", 1, 8, 0.2),
          Promise("public", 1, 5, 0.3), Promise("staff", 2, 5, 0.4)]
    for p in ps:
        book.add(p)
    assert book.due(2) == []
    assert len(book.open) == 4
    due = book.due(5)
    assert due == [ps[0], ps[2], ps[3]]
    assert book.open == [ps[1]]
    assert book.due(5) == []                  # returned once only
    assert book.due(7) == []
    assert book.due(100) == [ps[1]]
    assert book.open == []


def _ambitions(model):
    return [float(re.search(r"ambition ([0-9.]+)", e.detail).group(1))
            for e in founder_events(model, "promise_made")]


def test_promise_deadlines_and_ambition_follow_the_policy_and_traits(baseline):
    pol, g = baseline.params.policy, baseline.params.ceo.grandiosity
    n, top = 0, 0.0
    for m in batch(n=10):
        top = max([top, *_ambitions(m)])
        for e in founder_events(m, "promise_made"):
            due = int(re.search(r"due week (\d+)", e.detail).group(1))
            assert pol.promise_weeks_min <= due - e.week <= pol.promise_weeks_max
            n += 1
        # ambition is drawn up to ambition_scale x grandiosity (printed to 2 decimals)
        assert all(0.0 <= a <= pol.ambition_scale * g + 0.005 for a in _ambitions(m))
    assert n > 100
    # and the whole range is used: over >100 uniform draws the largest is near the top
    assert top > 0.9 * pol.ambition_scale * g


def test_ceo_without_promise_propensity_makes_no_promises():
    runs = batch(sets=("ceo.promise_propensity=0",), n=15)
    assert all(founder_events(m, "promise_made") == [] for m in runs)
    # with a promise-free interim CEO too, there is no promise activity at all
    quiet = batch(sets=("ceo.promise_propensity=0", "interim_ceo.promise_propensity=0"), n=15)
    for m in quiet:
        assert events(m, ("promise_made", "promise_kept", "promise_broken")) == []
    # control: the baseline founder does make promises in every run
    assert all(len(founder_events(m, "promise_made")) > 5 for m in batch(n=15))


def _kept_share(runs):
    kept = sum(len(founder_events(m, "promise_kept")) for m in runs)
    broken = sum(len(founder_events(m, "promise_broken")) for m in runs)
    assert kept + broken > 200
    return kept / (kept + broken)


def test_grandiose_ceo_keeps_a_smaller_share_of_promises():
    modest = _kept_share(batch(sets=("ceo.grandiosity=0.1",), n=30))
    grand = _kept_share(batch(sets=("ceo.grandiosity=0.9",), n=30))
    assert grand < modest - 0.1, (modest, grand)
