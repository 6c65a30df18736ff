"""Historical crisis events and the slices of a return series that cover them.

The table is the one of the reference backtest report (name, first and last
calendar day; ``end=None`` is an event still running, "Present"). An event
appears in a report only where the returns cover part of it: the report
plots the bars inside ``[start, end]`` (at least ``min_bars`` of them) and
marks the event *partial* when the data starts more than four days after the
event's first day or ends more than four days before its last.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from factorlab.errors import ParameterError
from factorlab.metrics import cumulative_returns, total_return

__all__ = ["CRISIS_EVENTS", "CrisisEvent", "CrisisWindow", "crisis_windows"]


@dataclass(frozen=True)
class CrisisEvent:
    """A named historical period: first and last calendar day (``end=None``: still running)."""

    name: str
    start: pd.Timestamp
    end: pd.Timestamp | None


def _event(name: str, start: str, end: str | None) -> CrisisEvent:
    return CrisisEvent(name, pd.Timestamp(start), None if end is None else pd.Timestamp(end))


#: The crisis-event table of the reference report (US month/day/year dates there).
CRISIS_EVENTS: tuple[CrisisEvent, ...] = (
    _event("DotCom Bubble 2000", "2000-02-26", "2000-09-10"),
    _event("September 11, 2001", "2001-09-05", "2001-10-10"),
    _event("U.S. Housing Bubble 2003", "2003-01-01", "2003-02-20"),
    _event("Global Financial Crisis 2007", "2007-10-01", "2011-12-01"),
    _event("Flash Crash 2010", "2010-05-01", "2010-05-22"),
    _event("Fukushima Meltdown 2011", "2011-03-01", "2011-04-22"),
    _event("U.S. Credit Downgrade 2011", "2011-08-05", "2011-09-01"),
    _event("ECB IR Event 2012", "2012-09-05", "2012-10-12"),
    _event("European Debt Crisis 2014", "2014-10-01", "2014-10-29"),
    _event("Market Sell-Off 2015", "2015-08-10", "2015-10-10"),
    _event("Recovery 2010-2012", "2010-01-01", "2012-10-01"),
    _event("New Normal 2014-2019", "2014-01-01", "2019-01-01"),
    _event("COVID-19 Pandemic 2020", "2020-02-10", "2020-09-20"),
    _event("Post-COVID Run-up 2020-2021", "2020-04-01", "2022-01-01"),
    _event("Meme Season 2021", "2021-01-01", "2021-05-15"),
    _event("Russia Invades Ukraine 2022-2023", "2022-02-01", "2024-01-01"),
    _event("AI Boom 2022-Present", "2022-11-30", None),
)


@dataclass(frozen=True)
class CrisisWindow:
    """The part of one event a return series covers, ready to plot.

    Attributes
    ----------
    event : CrisisEvent
    first, last : pd.Timestamp
        First and last bar inside the event.
    partial : bool
        True when the data does not cover the whole event.
    cumulative : pd.Series
        The strategy's cumulative return from the event's first bar (0.1 = 10%).
    benchmark : pd.Series or None
        The benchmark's cumulative return over the same bars.
    strategy_return, benchmark_return : float
        Total return over the window (NaN without a benchmark).
    """

    event: CrisisEvent
    first: pd.Timestamp
    last: pd.Timestamp
    partial: bool
    cumulative: pd.Series
    benchmark: pd.Series | None
    strategy_return: float
    benchmark_return: float

    @property
    def title(self) -> str:
        """The event's name, with '(partial)' when the data covers only part of it."""
        return self.event.name + (" (partial)" if self.partial else "")


#: Missing days at an edge that still count as covered (weekends, holidays).
_GRACE = pd.Timedelta(days=4)


def _bounds(event: CrisisEvent, index: pd.DatetimeIndex) -> tuple[pd.Timestamp, pd.Timestamp]:
    start, end = event.start, event.end if event.end is not None else index[-1].tz_localize(None).normalize()
    if index.tz is not None:
        start, end = start.tz_localize(index.tz), end.tz_localize(index.tz)
    return start.as_unit(index.unit), (end + pd.Timedelta(days=1)).as_unit(index.unit)


def crisis_windows(returns: pd.Series, benchmark: pd.Series | None = None, *,
                   events: tuple[CrisisEvent, ...] | list[CrisisEvent] = CRISIS_EVENTS,
                   min_bars: int = 2) -> list[CrisisWindow]:
    """The events a return series covers, each sliced and compounded from its first bar.

    Parameters
    ----------
    returns : pd.Series, shape (bars,)
        Per-bar returns with a sorted DatetimeIndex.
    benchmark : pd.Series, optional
        Benchmark per-bar returns on the same index (NaN where missing).
    events : sequence of CrisisEvent
        The table to look up (default :data:`CRISIS_EVENTS`).
    min_bars : int
        Fewest bars inside an event for it to be shown. An event where every return is 0 (the
        strategy held nothing: before its first trade, a warmup) is not shown either.

    Returns
    -------
    list of CrisisWindow, in the order of ``events``.
    """
    if int(min_bars) != min_bars or min_bars < 1:
        raise ParameterError(f"min_bars must be a positive integer, got {min_bars!r}")
    index = returns.index
    if len(index) == 0:
        return []
    out = []
    for event in events:
        start, end = _bounds(event, index)
        lo, hi = index.searchsorted(start, "left"), index.searchsorted(end, "left")
        if hi - lo < min_bars:
            continue
        part = returns.iloc[lo:hi]
        if not (part.fillna(0.0) != 0.0).any():  # nothing held (before the first trade, a warmup): no panel
            continue
        bench = None if benchmark is None else benchmark.iloc[lo:hi]
        partial = bool((lo == 0 and index[0] - start > _GRACE)
                       or (hi == len(index) and end - index[-1] > _GRACE + pd.Timedelta(days=1)))
        out.append(CrisisWindow(
            event=event, first=index[lo], last=index[hi - 1], partial=partial,
            cumulative=cumulative_returns(part),
            benchmark=None if bench is None else cumulative_returns(bench),
            strategy_return=float(total_return(part)),
            benchmark_return=float("nan") if bench is None else float(total_return(bench)),
        ))
    return out
