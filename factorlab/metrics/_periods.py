"""Annualisation: how many bars make a year, set explicitly or inferred from the index.

One rule for every annualised number in factorlab (metrics, factor alpha,
tear sheets, reports, backtest statistics): bars per year follow from the
index's **calendar** and its **bar length**.

Calendar
    A *24/7* market (crypto) trades 365 days a year; a *session* market
    (equities, futures, FX on weekdays) about 252. It is inferred from the
    data: bars on Saturdays and on Sundays (each at least half as often as
    on the median weekday) make a 24/7 calendar; otherwise (including a
    sample without a weekend in its span) a session calendar.
Bar length
    The median gap between consecutive timestamps, classified as intraday
    (under 18 hours), daily (under 5 days), weekly (under 25 days), monthly
    (under 300 days) or yearly.

Bars per year
    ======================  ====================================================
    intraday, 24/7          ``365 * 1 day / bar`` (hourly 8,760; minute 525,600)
    intraday, session       ``252 * bars per session day``, the median number of
                            bars per calendar day that has bars (390 one-minute
                            bars a day: 98,280); no 6.5-hour session is assumed
    daily (k-day bars)      ``365 / k`` (24/7) or ``252 / k`` (session; k is the
                            median gap in business days)
    weekly (k weeks)        ``52 / k``
    monthly (k months)      ``12 / k`` (quarterly 4)
    yearly                  ``1 / k``
    ======================  ====================================================

``market=`` ('24h' or 'equity') overrides the inferred calendar and
``periods_per_year=`` overrides everything. An N-bar horizon is annualised
with the exponent ``periods_per_year / N`` (see :func:`annualise_return`),
never through a calendar duration. :func:`bar_frequency` returns the figure
with a description every report prints ("annualised with 8,760 bars/year
(hourly, 24/7 calendar, inferred)"); :func:`periods_per_year` returns the
number and issues an :class:`AnnualizationWarning` naming it whenever it was
inferred or assumed, so nothing is annualised silently with a guess.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from factorlab.errors import FactorlabWarning, ParameterError

__all__ = [
    "AnnualizationWarning",
    "BarFrequency",
    "annualise_return",
    "bar_frequency",
    "periods_per_year",
    "rolling_window_bars",
    "TRADING_DAYS_PER_YEAR",
    "CALENDAR_DAYS_PER_YEAR",
    "EQUITY_HOURS_PER_DAY",
]

TRADING_DAYS_PER_YEAR = 252
CALENDAR_DAYS_PER_YEAR = 365
#: Kept for reference only: intraday session bars are counted from the data, not from 6.5 hours.
EQUITY_HOURS_PER_DAY = 6.5
_MARKETS = {"equity": "session", "session": "session", "24h": "24/7", "24/7": "24/7"}
_SECONDS_PER_DAY = 86_400.0
_DAYS_PER_MONTH = 365.25 / 12

Market = Literal["equity", "session", "24h", "24/7"]


class AnnualizationWarning(FactorlabWarning):
    """The number of bars per year was inferred (or assumed), not given."""


@dataclass(frozen=True)
class BarFrequency:
    """Bars per year and how they were found.

    Attributes
    ----------
    periods_per_year : float
        Bars per year used to annualise.
    bar : str
        The bar length in words ('hourly', '5-minute', 'daily', 'weekly',
        'monthly', 'quarterly', ...); 'unknown' without a DatetimeIndex.
    calendar : str
        '24/7', 'session' or '' (weekly and longer bars: no calendar needed).
    source : str
        'inferred' (from the index), 'given' (``periods_per_year=``) or
        'assumed' (no index to infer from: daily bars).
    unit, size : str, float
        The bar in the data's own unit, for period labels: ('h', 1.0) hourly,
        ('m', 5.0) 5-minute, ('D', 1.0) daily, ('W', 2.0) fortnightly,
        ('M', 1.0) monthly, ('M', 3.0) quarterly, ('Y', 1.0) yearly.
    bars_per_day : float
        Bars per trading day for intraday and daily bars (NaN otherwise).
    """

    periods_per_year: float
    bar: str
    calendar: str
    source: str
    unit: str = "D"
    size: float = 1.0
    bars_per_day: float = float("nan")

    def describe(self) -> str:
        """'8,760 bars/year (hourly, 24/7 calendar, inferred)'."""
        shape = self.bar + (f", {self.calendar} calendar" if self.calendar else "")
        if self.source == "given":
            how = "periods_per_year= given" + (f"; the index is {shape}" if self.bar != "unknown" else "")
        elif self.source == "assumed":
            how = "no DatetimeIndex to infer from: daily bars assumed" + (
                f", {self.calendar} calendar" if self.calendar else "")
        else:
            how = f"{shape}, inferred"
        return f"{_fmt_count(self.periods_per_year)} bars/year ({how})"

    @property
    def note(self) -> str:
        """The sentence a report prints: 'annualised with 8,760 bars/year (hourly, 24/7 calendar, inferred)'."""
        return f"annualised with {self.describe()}"


def _fmt_count(x: float) -> str:
    return f"{round(x):,}" if abs(x - round(x)) < 1e-9 else f"{x:,.6g}"


def _check_market(market: str | None) -> str | None:
    if market is None:
        return None
    if market not in _MARKETS:
        raise ParameterError(f"market must be None (infer the calendar) or one of {tuple(_MARKETS)}, "
                             f"got {market!r}")
    return _MARKETS[market]


def _validate_explicit(value: float) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ParameterError(
            f"periods_per_year must be a positive number, got {value!r}"
        ) from None
    if not np.isfinite(out) or out <= 0:
        raise ParameterError(f"periods_per_year must be a positive number, got {value!r}")
    return out


def _index_of(index_or_returns: object) -> pd.Index | None:
    if isinstance(index_or_returns, (pd.Series, pd.DataFrame)):
        return index_or_returns.index
    if isinstance(index_or_returns, pd.Index):
        return index_or_returns
    return None


def _wall_nanoseconds(index: pd.DatetimeIndex) -> np.ndarray:
    """Wall-clock (local time for a tz-aware index) nanoseconds since the epoch, int64."""
    wall = index.tz_localize(None) if index.tz is not None else index
    return wall.as_unit("ns").asi8


def _is_24_7(days: np.ndarray) -> bool:
    """Whether trading days (days since the epoch, unique) include weekends at a weekday rate.

    A 24/7 calendar needs bars on Saturdays and on Sundays, each on at least
    half as large a share of that weekday's calendar dates as the median
    weekday (Monday-Friday); a span without a Saturday or Sunday is a session.
    """
    if len(days) == 0:
        return False
    span = np.arange(days[0], days[-1] + 1)
    dow_all = (span + 3) % 7  # 1970-01-01 was a Thursday: Monday = 0
    dow = (days + 3) % 7
    calendar = np.bincount(dow_all, minlength=7).astype(float)
    traded = np.bincount(dow, minlength=7).astype(float)
    if calendar[5] == 0 or calendar[6] == 0:
        return False
    share = traded / np.where(calendar > 0, calendar, 1.0)
    weekday = np.median(share[:5][calendar[:5] > 0]) if (calendar[:5] > 0).any() else 0.0
    return bool(share[5] >= 0.5 * weekday and share[6] >= 0.5 * weekday and weekday > 0)


def _intraday_name(seconds: float) -> tuple[str, float, str]:
    for unit, size, word in (("h", 3600.0, "hour"), ("m", 60.0, "minute"), ("s", 1.0, "second")):
        if seconds % size == 0 or unit == "s":
            n = seconds / size
            name = {"hour": "hourly"}.get(word, word) if n == 1 else f"{n:g}-{word}"
            return unit, n, name
    raise AssertionError("unreachable")  # pragma: no cover


def _from_index(index: pd.DatetimeIndex, calendar: str | None) -> BarFrequency | None:
    """Infer the bar frequency of a DatetimeIndex (None when it has no two distinct timestamps)."""
    nanos = _wall_nanoseconds(index)
    gaps = np.diff(np.sort(nanos))
    gaps = gaps[gaps > 0]
    if not len(gaps):
        return None
    step = float(np.median(gaps)) / 1e9  # seconds
    step_days = step / _SECONDS_PER_DAY
    if step_days >= 5:
        if step_days < 25:
            k, unit, words = max(1, round(step_days / 7)), "W", ("weekly", "week")
            ppy = 52.0 / k
        elif step_days < 300:
            k, unit, words = max(1, round(step_days / _DAYS_PER_MONTH)), "M", ("monthly", "month")
            ppy = 12.0 / k
        else:
            k, unit, words = max(1, round(step_days / 365.25)), "Y", ("yearly", "year")
            ppy = 1.0 / k
        name = words[0] if k == 1 else ("quarterly" if (unit, k) == ("M", 3) else f"{k}-{words[1]}")
        return BarFrequency(ppy, name, "", "inferred", unit, float(k))
    day_of = np.floor_divide(nanos, 86_400 * 10**9)
    days, counts = np.unique(day_of, return_counts=True)
    if calendar is None:
        calendar = "24/7" if _is_24_7(days) else "session"
    year_days = float(CALENDAR_DAYS_PER_YEAR if calendar == "24/7" else TRADING_DAYS_PER_YEAR)
    if step_days < 0.75:
        unit, size, name = _intraday_name(step)
        per_day = _SECONDS_PER_DAY / step if calendar == "24/7" else float(np.median(counts))
        return BarFrequency(year_days * per_day, name, calendar, "inferred", unit, size, per_day)
    if calendar == "24/7":
        k = max(1, round(float(np.median(np.diff(days)))) if len(days) > 1 else 1)
    else:
        dates = days.astype("datetime64[D]")
        k = max(1, round(float(np.median(np.busday_count(dates[:-1], dates[1:])))) if len(days) > 1 else 1)
    name = "daily" if k == 1 else f"{k}-day"
    return BarFrequency(year_days / k, name, calendar, "inferred", "D", float(k), 1.0 / k)


def bar_frequency(
    index_or_returns: pd.Index | pd.Series | pd.DataFrame | np.ndarray | None = None,
    market: Market | None = None,
    periods_per_year: float | None = None,
) -> BarFrequency:
    """Bars per year of an index, with how they were found (no warning).

    Parameters
    ----------
    index_or_returns : DatetimeIndex, Series, DataFrame, ndarray or None
        The bars (or data indexed by them).
    market : {None, '24h', '24/7', 'equity', 'session'}
        None infers the calendar from the data (weekend bars: 24/7); '24h' /
        '24/7' forces 365 days a year, 'equity' / 'session' 252.
    periods_per_year : float, optional
        Explicit bars per year: used as given (validated > 0); the index, if
        any, only describes the bars in :meth:`BarFrequency.describe`.

    Returns
    -------
    BarFrequency
        See the module docstring for the table of rules. Without a
        DatetimeIndex of two distinct timestamps: daily bars are assumed
        (252, or 365 with a 24/7 ``market``), ``source='assumed'``.

    Raises
    ------
    ParameterError
        An unknown ``market`` or a ``periods_per_year`` that is not a positive number.
    """
    calendar = _check_market(market)
    given = None if periods_per_year is None else _validate_explicit(periods_per_year)
    index = _index_of(index_or_returns)
    found = None
    if isinstance(index, pd.DatetimeIndex) and len(index) >= 2:
        found = _from_index(index, calendar)
    if given is not None:
        if found is None:
            return BarFrequency(given, "unknown", "", "given")
        return BarFrequency(given, found.bar, found.calendar, "given", found.unit, found.size,
                            found.bars_per_day)
    if found is not None:
        return found
    calendar = calendar or "session"
    daily = float(CALENDAR_DAYS_PER_YEAR if calendar == "24/7" else TRADING_DAYS_PER_YEAR)
    return BarFrequency(daily, "daily", calendar, "assumed", "D", 1.0, 1.0)


def periods_per_year(
    index_or_returns: pd.Index | pd.Series | pd.DataFrame | np.ndarray | None = None,
    market: Market | None = None,
    periods_per_year: float | None = None,
) -> float:
    """Number of bars per year used to annualise statistics.

    Parameters
    ----------
    index_or_returns : DatetimeIndex, Series, DataFrame, ndarray or None
        The bars (or returns whose index are the bars).
    market : {None, '24h', '24/7', 'equity', 'session'}
        None (default) infers the calendar from the data; see :func:`bar_frequency`.
    periods_per_year : float, optional
        Explicit value; returned as given (validated > 0) and nothing is inferred.

    Returns
    -------
    float
        Bars per year: 252.0 daily session bars, 365.0 daily 24/7 bars,
        8760.0 hourly 24/7 bars, 98280.0 for 390 one-minute bars per
        session day, 52.0 weekly, 12.0 monthly.

    Warns
    -----
    AnnualizationWarning
        When the value is inferred from the index, or assumed to be daily
        because there is no DatetimeIndex with two distinct timestamps; the
        message states the figure and how it was found.
    """
    if periods_per_year is not None:
        _check_market(market)
        return _validate_explicit(periods_per_year)
    freq = bar_frequency(index_or_returns, market)
    if freq.source == "assumed":
        text = (f"no DatetimeIndex to infer the bar frequency from; assuming daily bars "
                f"({_fmt_count(freq.periods_per_year)} per year, {freq.calendar} calendar)")
    else:
        text = f"periods_per_year inferred as {freq.describe()}"
    warnings.warn(f"{text}; pass periods_per_year= to set it", AnnualizationWarning, stacklevel=3)
    return freq.periods_per_year


def annualise_return(period_return: float | np.ndarray, periods_per_year: float | np.ndarray,
                     bars: float | np.ndarray = 1.0) -> float | np.ndarray:
    """Compound a return over ``bars`` bars to a year: ``(1 + r) ** (periods_per_year / bars) - 1``.

    Computed in log space (``expm1(log1p(r) * ppy / bars)``), so it never
    raises: a growth too large for a float gives ``inf``, a return below -100%
    gives NaN and exactly -100% gives -1.0.

    Parameters
    ----------
    period_return : float or ndarray
        Return over ``bars`` bars (0.01 = 1%).
    periods_per_year : float or ndarray
        Bars per year.
    bars : float or ndarray
        Bars in the horizon of ``period_return`` (N for an N-bar forward
        return); arrays broadcast with ``period_return``.

    Returns
    -------
    float or ndarray
        Annual return, a fraction.
    """
    r = np.asarray(period_return, dtype="float64")
    exponent = np.asarray(periods_per_year, dtype="float64") / np.asarray(bars, dtype="float64")
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = np.expm1(np.log1p(r) * exponent)
    return float(out) if out.ndim == 0 else out


def rolling_window_bars(months: float, periods_per_year: float) -> int:
    """Bars in a trailing window of ``months`` months: ``round(months / 12 * periods_per_year)``.

    Six months of daily session bars is 126 bars, twelve months 252; six
    months of hourly 24/7 bars 4,380. At least 2 bars.
    """
    if not np.isfinite(months) or months <= 0:
        raise ParameterError(f"months must be a positive number, got {months!r}")
    return max(2, int(round(months / 12.0 * periods_per_year)))
