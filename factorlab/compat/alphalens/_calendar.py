"""Alphalens' calendar and period-label helpers (``alphalens.utils``), same arguments and results.

These are small pandas functions Alphalens uses to name forward-return
columns ('1D', '5D', '1D1h', ...) and to step through a trading calendar; the
compat layer needs them to give its frames Alphalens' labels and date-level
frequency, and notebooks call some of them directly.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
from pandas.tseries.offsets import BaseOffset, BusinessDay, CustomBusinessDay, Day

from factorlab.errors import ParameterError

__all__ = [
    "add_custom_calendar_timedelta",
    "diff_custom_calendar_timedeltas",
    "get_forward_returns_columns",
    "infer_trading_calendar",
    "make_naive_ts",
    "timedelta_strings_to_integers",
    "timedelta_to_string",
    "turnover_periods_from_columns",
]

_DAY_LABEL = re.compile(r"^(\d+([D]))+$", re.IGNORECASE)
_ANY_LABEL = re.compile(r"^(\d+([Dhms]|ms|us|ns))+$", re.IGNORECASE)
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def infer_trading_calendar(factor_idx: pd.DatetimeIndex, prices_idx: pd.DatetimeIndex) -> CustomBusinessDay:
    """The weekdays traded in ``factor_idx`` and ``prices_idx`` and the missing ones as holidays.

    Returns
    -------
    pandas.tseries.offsets.CustomBusinessDay
        ``weekmask`` = the weekdays that occur, ``holidays`` = the dates of
        those weekdays between the first and last date that do not occur.
    """
    full = factor_idx.union(prices_idx)
    days = np.asarray(full.normalize().unique().to_numpy(dtype="datetime64[D]"))
    weekday = full.day_of_week
    traded = [name for day, name in enumerate(_WEEKDAYS) if (weekday == day).any()]
    if not traded:
        raise ParameterError("infer_trading_calendar needs at least one date")
    mask = [name in traded for name in _WEEKDAYS]
    start, end = days.min(), days.max() + np.timedelta64(1, "D")
    span = np.arange(start, end, dtype="datetime64[D]")
    on_mask = np.is_busday(span, weekmask=mask)
    holidays = np.setdiff1d(span[on_mask], days)
    return CustomBusinessDay(weekmask=" ".join(traded), holidays=[pd.Timestamp(d).date() for d in holidays])


def timedelta_to_string(timedelta: pd.Timedelta) -> str:
    """A Timedelta as the column label Alphalens uses ('5D', '1D1h', '30m')."""
    c = timedelta.components
    parts = [(c.days != 0, c.days, "D"), (c.hours > 0, c.hours, "h"), (c.minutes > 0, c.minutes, "m"),
             (c.seconds > 0, c.seconds, "s"), (c.milliseconds > 0, c.milliseconds, "ms"),
             (c.microseconds > 0, c.microseconds, "us"), (c.nanoseconds > 0, c.nanoseconds, "ns")]
    return "".join(f"{int(value)}{unit}" for show, value, unit in parts if show)


def timedelta_strings_to_integers(sequence) -> list[int]:
    """Whole days of each Timedelta string (['1D', '5D'] -> [1, 5])."""
    return [pd.Timedelta(x).days for x in sequence]


def get_forward_returns_columns(columns: pd.Index, require_exact_day_multiple: bool = False) -> pd.Index:
    """The forward-return columns among ``columns`` (labels like '1D', '4h', '1D30m').

    With ``require_exact_day_multiple`` only whole-day labels are kept and a
    ``UserWarning`` says when others were skipped, as in Alphalens.
    """
    pattern = _DAY_LABEL if require_exact_day_multiple else _ANY_LABEL
    valid = [pattern.match(str(col)) is not None for col in columns]
    if require_exact_day_multiple and sum(valid) < len(valid):
        warnings.warn("Skipping return periods that aren't exact multiples of days.", UserWarning, stacklevel=2)
    return columns[valid]


def turnover_periods_from_columns(columns: pd.Index) -> list[int]:
    """Day shifts for the turnover analysis: the whole-day forward-return labels, in days."""
    return timedelta_strings_to_integers(get_forward_returns_columns(columns, require_exact_day_multiple=True))


def _check_day_offset(freq: object) -> None:
    if not isinstance(freq, (Day, BusinessDay, CustomBusinessDay)):
        raise ParameterError(f"freq must be Day, BDay or CustomBusinessDay, got {type(freq).__name__}")


def add_custom_calendar_timedelta(input, timedelta: pd.Timedelta, freq):
    """``input + timedelta`` counting the whole days on the calendar ``freq``.

    Parameters
    ----------
    input : pd.DatetimeIndex or pd.Timestamp
    timedelta : pd.Timedelta
    freq : Day, BusinessDay or CustomBusinessDay
    """
    _check_day_offset(freq)
    days = timedelta.components.days
    offset = timedelta - pd.Timedelta(days=days)
    with warnings.catch_warnings():
        # pandas warns that offsets are added element-wise to an index; that is the intent
        warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
        return input + freq * days + offset


def make_naive_ts(t: pd.Timestamp) -> pd.Timestamp:
    """The timestamp without its time zone (converted to UTC wall time first when aware)."""
    return t.tz_convert(None) if t.tzinfo is not None else t.tz_localize(None)


def diff_custom_calendar_timedeltas(start: pd.Timestamp, end: pd.Timestamp, freq) -> pd.Timedelta:
    """``end - start`` with its whole days counted on the calendar ``freq`` (a pandas offset)."""
    if not isinstance(freq, BaseOffset):
        raise ParameterError("freq must be a pandas offset (Day, BusinessDay or CustomBusinessDay), "
                             f"got {type(freq).__name__}")
    weekmask = getattr(freq, "weekmask", None)
    holidays = getattr(freq, "holidays", None)
    if weekmask is None and holidays is None:
        if isinstance(freq, Day):
            weekmask, holidays = "Mon Tue Wed Thu Fri Sat Sun", []
        elif isinstance(freq, BusinessDay):
            weekmask, holidays = "Mon Tue Wed Thu Fri", []
    if weekmask is not None and holidays is not None:
        actual_days = np.busday_count(np.array(make_naive_ts(start)).astype("datetime64[D]"),
                                      np.array(make_naive_ts(end)).astype("datetime64[D]"), weekmask, holidays)
    else:
        actual_days = pd.date_range(start, end, freq=freq).shape[0] - 1
        if not freq.is_on_offset(start):
            actual_days -= 1
    timediff = end - start
    return timediff - pd.Timedelta(days=timediff.components.days - int(actual_days))
