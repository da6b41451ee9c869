"""Calibration: the baseline reproduces the case's facts; counterfactuals differ as they should."""

import pytest

from conftest import batch, km_median_exit
from experiments.analysis.validate import validate
from model import load


@pytest.fixture(scope="module")
def validation():
    return validate(load("stability-ai"), n_seeds=200)


def test_every_fact_with_a_pass_rule_passes(validation):
    ruled = [r for r in validation if r.passed is not None]
    assert len(ruled) >= 8
    failing = [r for r in ruled if not r.passed]
    assert not failing, "\n".join(f"{r.name}: {r.target} -- {r.rule} (median {r.median}, "
                                  f"80% [{r.lo}, {r.hi}])" for r in failing)


def test_validation_reports_every_fact(validation):
    names = [r.name for r in validation]
    assert len(names) == len(set(names))
    for name in ("compute_2023", "payroll_opex_2023", "revenue_2023", "first_unpaid_bill",
                 "exec_departures", "ceo_exit_week", "ceo_exit_kind", "ceo_in_office"):
        assert name in names


def _in_office_at(models, week):
    return sum(1 for m in models if m.ceo_exit_week is None and m.week > week) / len(models)


def test_disciplined_founder_stays_in_office_longer_than_the_baseline():
    base = batch(n=60)
    disciplined = batch("disciplined-founder", n=60)
    base_median = km_median_exit(base)
    assert base_median is not None
    disc_median = km_median_exit(disciplined)
    assert disc_median is None or disc_median > base_median + 15
    assert _in_office_at(disciplined, 103) > _in_office_at(base, 103) + 0.3
    exits = sum(1 for m in disciplined if m.ceo_exit_week is not None)
    assert exits < sum(1 for m in base if m.ceo_exit_week is not None) / 2


def test_board_control_removes_the_founder_where_founder_control_cannot():
    base = batch(n=60)
    board = batch("board-control", n=60)
    removed = sum(1 for m in board if m.ceo_exit_kind == "removed")
    assert removed > 0.5 * len(board)
    # under the founder's voting majority nobody is removed; only after dilution lost it
    assert all(m.founder_control_lost_week is not None and
               m.ceo_exit_week >= m.founder_control_lost_week
               for m in base if m.ceo_exit_kind == "removed")
    assert km_median_exit(board) < km_median_exit(base)
