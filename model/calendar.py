"""Weeks and calendar dates: week 0 is the scenario's start date, one step is seven days."""

import datetime as dt


def week_date(start: dt.date, week: int) -> dt.date:
    """Calendar date (Monday) of ``week``."""
    return start + dt.timedelta(days=7 * week)


def is_month_start(start: dt.date, week: int) -> bool:
    """True for the first week whose Monday falls in a new month (monthly bills are issued then)."""
    return week > 0 and week_date(start, week).month != week_date(start, week - 1).month
