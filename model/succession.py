"""Founder succession at financing milestones: the board brings in a professional CEO.

Founder-CEOs leave office far more often than crises of trust explain: about half are no
longer CEO three years after founding (Wasserman 2008), and the hazard of a founder's
succession rises after each round of outside financing, when new investors join the board
and the company is judged to need another kind of leader (Wasserman 2003, "Founder-CEO
succession and the paradox of entrepreneurial success", Organization Science 14(2)). Trust
plays no part here: the succession follows success (a round raised), not failure.

After each priced round (and at week 0 when the scenario opens at one), the board decides
with chance ``governance.succession_review`` that the company needs a professional CEO and
starts a search of about ``governance.succession_search_weeks`` (each search draws its length
uniformly from half to one and a half times it). When the search ends, the
founder steps aside by agreement (with chance 1 - entrenchment: his attachment to the job)
or refuses; a refusal goes to a vote of the board (or the shareholders) that the investors
support, which the founder can stop only with a majority of all the votes.
"""

from __future__ import annotations


SUCCESSOR = "the professional CEO"   # the new CEO's name in the log (interim_ceo traits)


class Succession:
    """The board's search for a professional CEO to succeed the founder (one at a time)."""

    def __init__(self) -> None:
        self.due: int | None = None      # the week the search ends, while one runs

    def review(self, model) -> None:
        """After a priced round: does the board decide to look for a professional CEO?"""
        g = model.p.governance
        if (self.due is not None or not model.ceo.founder or g.succession_review <= 0.0
                or model.rng.random() >= g.succession_review):
            return
        # searches differ in length; a fixed length would make every refused succession fall
        # due in the same week and put a spike in the exit-time distribution
        weeks = g.succession_search_weeks * float(model.rng.uniform(0.5, 1.5))
        self.due = model.week + max(1, round(weeks))
        model.record("succession_search", None, f"the board decides the company needs a "
                     f"professional CEO and starts a search until week {self.due}",
                     agent="the board", role="board", cause="financing milestone",
                     counterpart=model.ceo.name)

    def step(self, model) -> None:
        """The search ends: the founder steps aside, is outvoted, or keeps the job."""
        if self.due is None or model.week < self.due:
            return
        self.due = None
        ceo = model.ceo
        if not ceo.founder:          # he left another way while the board searched
            return
        if ceo.accepts_succession():
            model.ceo_leaves("resigned", "steps aside for the professional CEO the board found",
                             cause="succession", successor=SUCCESSOR)
            return
        passed, how = succession_vote(model)
        if passed:
            model.ceo_leaves("removed", f"replaced by the professional CEO the board found; "
                             f"{how}", cause="succession", successor=SUCCESSOR)
        else:
            model.record("succession_refused", ceo, f"refuses to step aside for the "
                         f"professional CEO the board found; {how}", cause="founder's votes")


def succession_vote(model) -> tuple[bool, str]:
    """The vote on a succession the founder refused: the investors who sought it and the
    independents vote for it, whatever their trust in him (on a board, only while at least
    one investor director is left, as for a removal); the founder votes against, and with a
    majority of all the votes he could replace the directors, so he stops it."""
    g = model.p.governance
    founder_votes = model.voting_share_of_founder()
    if founder_votes > 0.5:
        return False, f"he holds {founder_votes:.0%} of the votes"
    if g.removal_by == "board":
        directors = sum(1 for i in model.investor_list if i.seat == "board")
        if directors == 0:     # as for a removal: independents alone do not unseat a founder
            return False, "no investor director is left on the board to press for it"
        yes, seats = directors + g.independent_seats, 1 + directors + g.independent_seats
        return (yes > g.removal_majority * seats,
                f"board vote: {yes} of {seats} seats for the succession")
    total = model.total_votes()
    share = sum(i.stake * i.votes_per_share for i in model.investor_list) / total if total else 0.0
    return (share > g.removal_majority,
            f"shareholder vote: {share:.0%} of all votes for the succession")
