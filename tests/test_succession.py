"""Founder succession at financing milestones (model/succession.py): after a priced round
the board may seek a professional CEO; the founder steps aside, is outvoted, or keeps the
job with a majority of the votes."""

import pytest

from conftest import batch, events, founder_events, make_params, seeds
from model import StartupModel

GENERIC = "generic-startup"     # a founder without a majority of the votes, no crisis needed


def run(*sets, seed=1, name=GENERIC):
    return StartupModel(make_params(name, *sets), seed=seed).run()


@pytest.mark.parametrize("founder,kind,event,words", [
    (("ceo.entrenchment=0",), "resigned", "ceo_resigned", "steps aside"),
    (("ceo.entrenchment=1", "ceo.stake=0.3"), "removed", "ceo_removed", "for the succession"),
], ids=["an unattached founder steps aside", "a refusing one without the votes is outvoted"])
def test_when_the_search_ends_a_founder_without_control_goes(founder, kind, event, words):
    weeks = []
    for s in seeds(10):
        m = run("governance.succession_review=1", "governance.succession_search_weeks=20",
                *founder, seed=s)
        search = events(m, "succession_search")
        assert search and search[0].week == 0            # the Series A closed at week 0
        gone = [e for e in founder_events(m, event) if e.cause == "succession"]
        if not gone:
            continue                                     # he left another way first
        assert m.ceo_exit_kind == kind and words in gone[0].detail
        assert 10 <= m.ceo_exit_week <= 30               # 0.5-1.5 x the 20-week search
        assert events(m, "interim_ceo")[0].agent == "the professional CEO"
        weeks.append(m.ceo_exit_week)
    assert len(weeks) >= 5, weeks
    assert len(set(weeks)) >= 3, weeks                   # searches differ in length


def test_a_founder_with_a_majority_of_the_votes_keeps_the_job():
    kept = 0
    for s in seeds(10):
        m = run("governance.succession_review=1", "governance.succession_search_weeks=20",
                "ceo.entrenchment=1", "ceo.stake=0.6", seed=s)
        # the week-0 search ends by week 30 (1.5 x 20); later rounds may dilute him
        assert not [e for e in founder_events(m, ("ceo_resigned", "ceo_removed"))
                    if e.cause == "succession" and e.week <= 30]
        refused = events(m, "succession_refused")
        if refused:
            assert 10 <= refused[0].week <= 30 and "of the votes" in refused[0].detail
            assert m.ceo_exit_week is None or m.ceo_exit_week > refused[0].week
            kept += 1
    assert kept >= 5, kept


def test_the_board_reviews_only_after_a_round_closes():
    reviews = 0
    for m in batch(GENERIC, ("governance.succession_review=1", "ceo.entrenchment=1",
                             "ceo.stake=0.6"), n=40):
        closes = {e.week for e in events(m, "round_closed")} | {0}
        for e in events(m, "succession_search"):
            assert e.week in closes, e
            reviews += 1
    assert reviews > 40       # week 0 in every run, and later rounds in some


def test_no_review_at_week_0_unless_the_scenario_opens_at_a_round():
    m = run("governance.succession_review=1", "fundraising.opens_after_round=false")
    closes = {e.week for e in events(m, "round_closed")}
    assert all(e.week in closes for e in events(m, "succession_search"))
    assert 0 not in {e.week for e in events(m, "succession_search")}


def test_no_succession_when_boards_never_seek_one():
    for m in batch(GENERIC, ("governance.succession_review=0",), n=40):
        assert not events(m, ("succession_search", "succession_refused"))
        assert all(e.cause != "succession" for e in events(m, ("ceo_resigned", "ceo_removed")))


def test_more_founders_are_out_by_week_78_when_boards_seek_successors_more():
    def out_by_78(review):
        runs = batch(GENERIC, (f"governance.succession_review={review}",), n=80)
        return sum(1 for m in runs if m.ceo_exit_week is not None and m.ceo_exit_week <= 78)
    low, high = out_by_78(0.1), out_by_78(0.8)
    assert high >= low + 20, (low, high)


def test_a_player_answers_the_board_with_the_months_answer_to_offers_that_he_go():
    from experiments.teaching.game import PlayerCEO
    weeks = set()
    for accept, expected in ((True, "ceo_resigned"), (False, "succession_refused")):
        params = make_params(GENERIC, "governance.succession_review=1", "ceo.stake=0.6",
                             "governance.succession_search_weeks=4")
        m = StartupModel(params, seed=3, ceo_class=PlayerCEO)
        m.ceo.accept_package = accept
        for _ in range(8):                      # a search lasts 0.5-1.5 x 4 weeks
            m.step()
        (answer,) = events(m, ("ceo_resigned", "succession_refused"))
        assert answer.event == expected and 2 <= answer.week <= 6
        weeks.add(answer.week)
    assert len(weeks) == 1                      # same seed: the answer ends the same search


def test_every_run_has_one_exit_route_and_successions_only_when_boards_seek_them():
    from experiments.analysis.causes import ROUTES, founder_exit_route
    seek = [founder_exit_route(m) for m in batch(GENERIC, ("governance.succession_review=1",
                                                           "ceo.entrenchment=0"), n=40)]
    never = [founder_exit_route(m) for m in batch(GENERIC, ("governance.succession_review=0",),
                                                  n=40)]
    assert set(seek) | set(never) <= set(ROUTES)
    assert seek.count(ROUTES[4]) >= 20          # an unattached founder steps aside
    assert ROUTES[5] not in seek                # ... and is never outvoted
    assert not {ROUTES[4], ROUTES[5]} & set(never)


def _vote(*sets):
    from model.succession import succession_vote
    return succession_vote(StartupModel(make_params(GENERIC, *sets), seed=1))


def test_a_shareholder_vote_on_a_succession_follows_the_investors_share_of_the_votes():
    common = ("governance.removal_by='shareholders'", "ceo.stake=0.2",
              "investors.seed.stake=0.1", "investors.angels.stake=0.05")
    passed, how = _vote(*common, "investors.series_a.stake=0.5")      # investors: 65%
    assert passed and "65% of all votes" in how
    passed, how = _vote(*common, "investors.series_a.stake=0.1")      # investors: 25%
    assert not passed and "25% of all votes" in how


def test_no_succession_vote_passes_without_an_investor_director():
    passed, how = _vote("investors.seed.seat='none'", "investors.series_a.seat='none'",
                        "governance.independent_seats=2")
    assert not passed and "no investor director" in how
    passed, how = _vote("governance.independent_seats=2")
    assert passed and "4 of 5 seats" in how


def test_a_founder_who_leaves_during_the_search_is_not_asked_again():
    m = StartupModel(make_params(GENERIC, "governance.succession_review=1",
                                 "governance.succession_search_weeks=20"), seed=2)
    for _ in range(5):
        m.step()
    assert m.ceo.founder
    m.ceo_leaves("resigned", "for reasons of his own")
    for _ in range(20):
        m.step()
    assert not events(m, "succession_refused")
    assert [e.cause for e in events(m, ("ceo_resigned", "ceo_removed"))] == [""]
    assert m.ceo.name == "the interim CEO"
