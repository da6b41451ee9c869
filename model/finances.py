"""Company finances: cash, costs, revenue, supplier bills and insolvency.

Compute is bought from suppliers who bill monthly; payroll and opex are paid weekly and
first. Supplier bills are paid only from cash above a reserve of ``reserve_weeks`` of
payroll, so when cash runs short bills go underpaid or unpaid and become payables. Only the
latest bill is paid that way, and only to a supplier not already in arrears: arrears wait
until a supplier demands them (above its credit limit) or forgives them, and once a bill
has gone unpaid the later ones go unpaid too, because a company in distress spends new
money on runway, not on bills (Stability AI left its September and later AWS bills unpaid,
and its cloud providers wrote off about $100M of bills and commitments in June 2024, after
two convertibles).
A supplier tolerates overdue bills up to a credit limit; past its patience it may cut
service. The company is insolvent when it cannot pay payroll plus what suppliers demand.

Accounting identity, every week:
    cash = start_cash + raised + revenue + asset_sales - paid
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class SupplierAccount:
    """One compute supplier: what is accrued, owed and how patient it still is."""
    name: str
    share: float
    patience_weeks: float
    credit_months: float
    cutoff_prob: float
    accrued: float = 0.0      # USD used since the last bill
    owed: float = 0.0         # USD billed and not paid (payables)
    last_bill: float = 0.0    # USD, size of the latest monthly bill
    peak_bill: float = 0.0    # USD, largest monthly bill so far (sets the credit limit)
    due_now: float = 0.0      # USD of the latest bill not yet paid (the rest of owed is arrears)
    overdue_weeks: int = 0    # weeks with anything owed
    cut_off: bool = False     # service stopped until the arrears are paid

    @property
    def credit_limit(self) -> float:
        return self.credit_months * self.peak_bill

    @property
    def in_arrears(self) -> bool:
        """Owed more than its latest bill: an earlier bill is (partly) unpaid."""
        return self.owed - self.due_now > 1.0


class Ledger:
    """Cash and its flows. All amounts in USD."""

    def __init__(self, start_cash: float, suppliers) -> None:
        self.start_cash = start_cash
        self.cash = start_cash
        self.raised = 0.0
        self.revenue = 0.0
        self.asset_sales = 0.0
        self.paid = 0.0
        self.suppliers = [SupplierAccount(s.name, s.share, s.patience_weeks, s.credit_months,
                                          s.cutoff_prob) for s in suppliers]

    # -- inflows
    def receive_revenue(self, amount: float) -> None:
        self.cash += amount
        self.revenue += amount

    def raise_money(self, amount: float) -> None:
        self.cash += amount
        self.raised += amount

    def sell_asset(self, amount: float) -> None:
        self.cash += amount
        self.asset_sales += amount

    # -- outflows
    def pay(self, amount: float) -> None:
        self.cash -= amount
        self.paid += amount

    @property
    def payables(self) -> float:
        return sum(s.owed for s in self.suppliers)

    def identity_gap(self) -> float:
        """Cash minus what the flows say it should be (0 up to rounding)."""
        return self.cash - (self.start_cash + self.raised + self.revenue
                            + self.asset_sales - self.paid)

    def accrue_compute(self, amount: float) -> float:
        """Spread a week's compute use over suppliers still serving; return the billed amount."""
        served = [s for s in self.suppliers if not s.cut_off]
        total_share = sum(s.share for s in served)
        if total_share <= 0.0:
            return 0.0
        used = amount * total_share  # cut-off suppliers deliver (and bill) nothing
        for s in served:
            s.accrued += used * s.share / total_share
        return used

    def issue_bills(self) -> list[SupplierAccount]:
        """Monthly: turn accrued use into bills owed; return suppliers that billed."""
        billed = []
        for s in self.suppliers:
            if s.accrued > 0.0:
                s.last_bill = s.accrued
                s.peak_bill = max(s.peak_bill, s.accrued)
                s.owed += s.accrued
                s.due_now = s.accrued
                s.accrued = 0.0
                billed.append(s)
        return billed

    def pay_suppliers(self, reserve: float) -> float:
        """Pay the latest bills pro rata from cash above ``reserve``; return the amount paid.
        Arrears are paid only when a supplier demands them (``pay_demanded``), and a supplier
        in arrears is not paid its latest bill either: once a bill has gone unpaid, the later
        ones go unpaid too (Stability AI left its September and later AWS bills unpaid)."""
        available = self.cash - reserve
        if available <= 0.0:                    # the usual case in distress: nothing to share
            return 0.0
        current = [s for s in self.suppliers if not s.in_arrears]
        due = sum(s.due_now for s in current)
        if due <= 0.0:
            return 0.0
        fraction = min(1.0, available / due)
        paid = 0.0
        for s in current:
            amount = s.due_now * fraction
            s.due_now -= amount
            s.owed -= amount
            paid += amount
            if s.owed < 1.0:
                s.owed = 0.0
            if s.due_now < 1.0:
                s.due_now = 0.0
        self.pay(paid)
        return paid

    def forgive_payables(self) -> float:
        """Suppliers write off what they are owed (part of a rescue); return the amount."""
        total = self.payables
        for s in self.suppliers:
            s.owed, s.due_now, s.overdue_weeks, s.cut_off = 0.0, 0.0, 0, False
        return total

    def demanded(self) -> float:
        """What suppliers insist on now: arrears above their credit limits."""
        return sum(max(0.0, s.owed - s.credit_limit) for s in self.suppliers)

    def pay_demanded(self) -> float:
        """Pay every supplier down to its credit limit (even from the reserve)."""
        paid = 0.0
        for s in self.suppliers:
            excess = s.owed - s.credit_limit
            if excess > 0.0:
                s.owed -= excess
                s.due_now = min(s.due_now, s.owed)
                paid += excess
        self.pay(paid)
        return paid
