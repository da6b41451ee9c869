"""Experimental designs (experiments.runs.designs): --vary specs, grid, Latin hypercube, Sobol'."""

import itertools
import math

import numpy as np
import pytest

from experiments.runs.designs import DESIGNS, DesignError, Factor, build_design, parse_factor

SEED = 20221017


# --------------------------------------------------------------------------- parsing one --vary

def test_a_list_spec_gives_its_values_in_order_numbers_as_numbers():
    f = parse_factor("ceo.listening=0,0.5,1", "grid")
    assert f == Factor("ceo.listening", values=(0, 0.5, 1))
    assert [type(v) for v in f.values] == [int, float, int]
    assert parse_factor("finance.start_cash=1e6,2.5e6", "grid").values == (1e6, 2.5e6)


def test_a_list_of_words_gives_choices():
    f = parse_factor("governance.removal_by=board, shareholders", "grid")
    assert f.values == ("board", "shareholders")


def test_spaces_around_path_and_spec_are_ignored():
    assert parse_factor(" ceo.listening = 0.2,0.4 ", "grid") == Factor("ceo.listening",
                                                                      values=(0.2, 0.4))


def test_lo_hi_count_is_evenly_spaced_and_includes_both_ends():
    f = parse_factor("finance.start_cash=50e6:150e6:5", "grid")
    assert f.values == (50e6, 75e6, 100e6, 125e6, 150e6)
    assert parse_factor("ceo.listening=0:1:2", "grid").values == (0.0, 1.0)
    assert parse_factor("ceo.listening=0:1:3.0", "grid").values == (0.0, 0.5, 1.0)
    assert parse_factor("ceo.listening=-1:1:5", "grid").values == (-1.0, -0.5, 0.0, 0.5, 1.0)


@pytest.mark.parametrize("kind", ["lhs", "sobol"])
def test_lo_hi_is_a_range_for_sampled_designs(kind):
    f = parse_factor("finance.start_cash=50e6:150e6", kind)
    assert (f.path, f.lo, f.hi, f.values) == ("finance.start_cash", 50e6, 150e6, None)


@pytest.mark.parametrize("kind", DESIGNS)
@pytest.mark.parametrize("item", [
    "ceo.listening",                 # no '='
    "ceo.listening=",                # no spec
    "=0,1",                          # no path
    "ceo.listening=0:1:2:3",         # too many ':'
    "ceo.listening=a:1:3",           # not a number
    "ceo.listening=0:b",             # not a number
    "ceo.listening=0:nan:3",         # not finite
    "ceo.listening=0:inf",           # not finite
    "ceo.listening=0,,1",            # empty list item
    "ceo.listening=0,1,",            # trailing comma
])
def test_malformed_specs_are_refused(item, kind):
    with pytest.raises(DesignError):
        build_design(kind, [item], 4 if kind != "grid" else None, SEED)


@pytest.mark.parametrize("kind,spec", [
    ("grid", "0.5:0.5:3"), ("grid", "1:0:3"), ("lhs", "0.5:0.5"), ("lhs", "1:0"),
    ("sobol", "0.3:0.3"), ("sobol", "0.9:0.1"),
])
def test_empty_or_reversed_ranges_are_refused(kind, spec):
    with pytest.raises(DesignError, match="range"):
        build_design(kind, [f"ceo.listening={spec}"], None if kind == "grid" else 4, SEED)


@pytest.mark.parametrize("count", ["1", "0", "-3", "2.5"])
def test_a_count_below_two_or_not_whole_is_refused(count):
    with pytest.raises(DesignError, match="count"):
        build_design("grid", [f"ceo.listening=0:1:{count}"], None, SEED)


@pytest.mark.parametrize("kind", ["lhs", "sobol"])
def test_a_list_is_refused_for_sampled_designs(kind):
    with pytest.raises(DesignError, match="LO:HI"):
        build_design(kind, ["ceo.listening=0,0.5,1"], 4, SEED)


def test_a_range_without_count_is_refused_for_a_grid():
    with pytest.raises(DesignError, match="LO:HI:COUNT"):
        build_design("grid", ["ceo.listening=0:1"], None, SEED)


@pytest.mark.parametrize("kind,items", [
    ("grid", ["ceo.listening=0,1", "ceo.listening=0.5"]),
    ("grid", ["ceo.listening=0,1", "ceo.grandiosity=0,1", " ceo.listening =0:1:3"]),
    ("lhs", ["ceo.listening=0:1", "ceo.listening=0.2:0.4"]),
    ("sobol", ["ceo.listening=0:1", "ceo.listening=0:1"]),
])
def test_a_parameter_given_twice_is_refused(kind, items):
    with pytest.raises(DesignError, match="ceo.listening.*more than once"):
        build_design(kind, items, None if kind == "grid" else 4, SEED)


def test_a_list_with_a_repeated_value_is_refused():
    """Repeated values make identical design points: the same runs twice, counted as two
    points. The duplicate is refused like a repeated path (build_design accepts it)."""
    with pytest.raises(DesignError):
        build_design("grid", ["ceo.listening=0.5,0.2,0.5"], None, SEED)


def test_samples_are_refused_for_a_grid():
    with pytest.raises(DesignError, match="--samples"):
        build_design("grid", ["ceo.listening=0,1"], 4, SEED)


@pytest.mark.parametrize("kind", ["lhs", "sobol"])
@pytest.mark.parametrize("samples", [None, 0, -4])
def test_sampled_designs_need_a_positive_number_of_samples(kind, samples):
    with pytest.raises(DesignError, match="--samples"):
        build_design(kind, ["ceo.listening=0:1"], samples, SEED)


@pytest.mark.parametrize("kind", ["lhs", "sobol"])
def test_sampled_designs_need_a_varied_parameter(kind):
    with pytest.raises(DesignError):
        build_design(kind, [], 4, SEED)


def test_an_unknown_design_is_refused_naming_the_valid_ones():
    with pytest.raises(DesignError, match="grid, lhs, sobol"):
        build_design("factorial", ["ceo.listening=0,1"], None, SEED)


def test_design_error_is_a_value_error_with_a_one_line_message():
    with pytest.raises(ValueError) as info:
        build_design("grid", ["ceo.listening=1:0:3"], None, SEED)
    assert isinstance(info.value, DesignError)
    assert "\n" not in str(info.value) and "ceo.listening" in str(info.value)


# --------------------------------------------------------------------------- grid

def test_a_grid_crosses_the_lists():
    items = ["ceo.listening=0,0.5,1", "governance.removal_by=board,shareholders",
             "finance.start_cash=50e6:150e6:4"]
    d = build_design("grid", items, None, SEED)
    assert d.kind == "grid" and d.samples is None
    assert len(d.points) == 3 * 2 * 4
    expected = [dict(zip(["ceo.listening", "governance.removal_by", "finance.start_cash"], c))
                for c in itertools.product((0, 0.5, 1), ("board", "shareholders"),
                                           np.linspace(50e6, 150e6, 4))]
    assert d.points == expected
    assert len({tuple(p.values()) for p in d.points}) == len(d.points)


def test_a_grid_of_one_list_has_one_point_per_value():
    d = build_design("grid", ["ceo.listening=0.1,0.2,0.3,0.4,0.5"], None, SEED)
    assert [p["ceo.listening"] for p in d.points] == [0.1, 0.2, 0.3, 0.4, 0.5]


def test_a_grid_without_varied_parameters_is_one_point():
    d = build_design("grid", [], None, SEED)
    assert d.points == [{}]


def test_a_grid_does_not_depend_on_the_seed():
    items = ["ceo.listening=0:1:3", "ceo.grandiosity=0.2,0.9"]
    assert build_design("grid", items, None, 1).points == build_design("grid", items, None, 2).points


def test_the_design_dict_round_trips_the_factors_and_points():
    d = build_design("grid", ["ceo.listening=0,1", "finance.start_cash=1e6:3e6:3"], None, SEED)
    out = d.to_dict()
    assert out["kind"] == "grid" and out["samples"] is None
    assert [f["path"] for f in out["factors"]] == ["ceo.listening", "finance.start_cash"]
    assert out["factors"][1]["values"] == [1e6, 2e6, 3e6]
    assert out["points"] == d.points


# --------------------------------------------------------------------------- lhs and sobol

RANGES = ["finance.start_cash=50e6:150e6", "ceo.listening=0.2:0.9", "ceo.grandiosity=0:1"]
BOUNDS = {"finance.start_cash": (50e6, 150e6), "ceo.listening": (0.2, 0.9),
          "ceo.grandiosity": (0.0, 1.0)}


@pytest.mark.parametrize("kind,samples", [("lhs", 10), ("lhs", 7), ("sobol", 16), ("sobol", 1)])
def test_sampled_designs_give_samples_points_inside_the_ranges(kind, samples):
    d = build_design(kind, RANGES, samples, SEED)
    assert len(d.points) == samples
    for p in d.points:
        assert list(p) == list(BOUNDS)
        for path, (lo, hi) in BOUNDS.items():
            assert isinstance(p[path], float)
            assert lo <= p[path] <= hi, (path, p[path])
    assert d.to_dict()["factors"][0] == {"path": "finance.start_cash", "values": None,
                                         "lo": 50e6, "hi": 150e6}


@pytest.mark.parametrize("kind,samples", [("lhs", 12), ("sobol", 8)])
def test_each_range_is_covered_one_point_per_stratum(kind, samples):
    """LHS: one point in each of the n equal slices of every range; Sobol' (2**m points): one
    in each of the 2**m slices of every range."""
    d = build_design(kind, RANGES, samples, SEED)
    for path, (lo, hi) in BOUNDS.items():
        strata = sorted(min(int((p[path] - lo) / (hi - lo) * samples), samples - 1)
                        for p in d.points)
        assert strata == list(range(samples)), path


@pytest.mark.parametrize("kind,samples", [("lhs", 9), ("sobol", 8)])
def test_sampled_designs_are_reproducible_from_the_root_seed(kind, samples):
    a = build_design(kind, RANGES, samples, SEED)
    b = build_design(kind, RANGES, samples, SEED)
    c = build_design(kind, RANGES, samples, SEED + 1)
    assert a.points == b.points
    assert a.points != c.points
    for path in BOUNDS:        # every coordinate moves, not only some
        assert [p[path] for p in a.points] != [p[path] for p in c.points]


@pytest.mark.parametrize("samples", [3, 5, 6, 7, 12, 100])
def test_sobol_needs_a_power_of_two(samples):
    with pytest.raises(DesignError, match="power of two") as info:
        build_design("sobol", RANGES, samples, SEED)
    m = int(math.floor(math.log2(samples)))
    assert str(2 ** m) in str(info.value) and str(2 ** (m + 1)) in str(info.value)


@pytest.mark.parametrize("samples", [1, 2, 4, 32])
def test_sobol_accepts_powers_of_two(samples):
    assert len(build_design("sobol", RANGES, samples, SEED).points) == samples


def test_lhs_and_sobol_differ():
    assert (build_design("lhs", RANGES, 8, SEED).points
            != build_design("sobol", RANGES, 8, SEED).points)
