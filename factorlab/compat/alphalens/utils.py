"""Alphalens' ``utils`` names backed by factorlab's vectorised core.

Every public function of ``alphalens.utils`` (alphalens-reloaded 0.5.1) with
its signature, defaults and results (labels, dtypes, the date level's
frequency). Differences, all documented in docs/differences.md:

* the loss summary ("Dropped 3.2% entries from factor data: ...") is printed
  as Alphalens prints it and, when something was dropped, also issued as a
  :class:`~factorlab.errors.DroppedDataWarning` with the same numbers;
  exceeding ``max_loss`` raises
  :class:`~factorlab.errors.MaxLossExceededError` with Alphalens' message;
* groups missing from a ``groupby`` dict or ``groupby_labels`` raise
  :class:`GroupMappingError` (a ``KeyError``, as in Alphalens);
* ``quantize_factor`` failures name the problem in a
  :class:`~factorlab.errors.BinningError` (a ``ValueError`` with Alphalens' text).

Alphalens' rules are kept on purpose (drop-in parity), including its quirks:
forward returns on forward-filled prices, an entry dropped from every horizon
when any horizon's return is missing, and a 'factor_quantile' column that is
int64 when binning kept every entry but float64 when it dropped any.
factorlab's own :func:`~factorlab.prepare_factor_data` is point in time instead.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from pandas.tseries.offsets import BusinessDay, CustomBusinessDay, Day

from factorlab.compat.alphalens._calendar import *  # noqa: F403
from factorlab.compat.alphalens._calendar import (
    __all__ as _calendar_all,
)
from factorlab.compat.alphalens._calendar import (
    diff_custom_calendar_timedeltas,
    get_forward_returns_columns,
    infer_trading_calendar,
    timedelta_to_string,
)
from factorlab.compat.alphalens._quantize import (
    _BIN_EDGES_HELP,
    EMPTY_GROUPS_GIVE_OBJECT,
    EMPTY_GROUPS_VISITED,
    GroupMappingError,
    empty_bin_fails,
    has_empty_groups,
    non_unique_bin_edges_error,
    quantize_factor,
    rethrow,
)
from factorlab.errors import (
    AlignmentError,
    BinningError,
    DroppedDataWarning,
    MaxLossExceededError,
    TimezoneMismatchError,
)
from factorlab.data._validate import validate_prices
from factorlab.factor._forward import check_periods, forward_arrays, marked_prices
from factorlab.factor._prepare import _prepare
from factorlab.factor._returns import rate_of_return, std_conversion

try:  # Alphalens shows tables with IPython's display (a module attribute: tests and notebooks replace it)
    from IPython.display import display
except ImportError:  # plain Python without IPython: text output
    def display(*objs, **kwargs):
        """Print each object (IPython's ``display`` outside IPython)."""
        for obj in objs:
            print(obj)

#: Alphalens' exception names, for ``except al.utils.MaxLossExceededError`` in existing code
NonMatchingTimezoneError = TimezoneMismatchError

__all__ = [
    *_calendar_all,
    "GroupMappingError",
    "MaxLossExceededError",
    "NonMatchingTimezoneError",
    "backshift_returns_series",
    "compute_forward_returns",
    "demean_forward_returns",
    "display",
    "get_clean_factor",
    "get_clean_factor_and_forward_returns",
    "non_unique_bin_edges_error",
    "print_table",
    "quantize_factor",
    "rate_of_return",
    "rethrow",
    "std_conversion",
]


def _calendar_of(factor_dates: pd.DatetimeIndex, prices_index: pd.DatetimeIndex):
    """Alphalens' trading calendar: the factor dates' own daily frequency, else the inferred one."""
    if isinstance(factor_dates.freq, (Day, BusinessDay, CustomBusinessDay)):
        return factor_dates.freq
    return infer_trading_calendar(factor_dates, prices_index)


def _period_label(period: int, dates: pd.DatetimeIndex, prices_index: pd.DatetimeIndex, freq) -> str:
    """Alphalens' column label: the most common calendar length of ``period`` bars over 30 dates."""
    positions = prices_index.get_indexer(dates[:30])
    days, last = [], None
    for p in positions:
        if p < 0 or p + period >= len(prices_index):
            continue
        last = diff_custom_calendar_timedeltas(prices_index[p], prices_index[p + period], freq)
        days.append(last.components.days)
    if last is None:
        raise AlignmentError(f"Not enough price data to compute {period}-period forward returns. Prices "
                             "must extend past the factor dates by at least that many observations.")
    values, counts = np.unique(days, return_counts=True)
    return timedelta_to_string(last - pd.Timedelta(days=last.components.days - int(values[np.argmax(counts)])))


def _with_date_freq(frame: pd.DataFrame, dates: pd.DatetimeIndex, freq) -> pd.DataFrame:
    """Give the frame Alphalens' date level (the factor's dates) with ``freq`` when it conforms."""
    idx = frame.index
    codes = dates.get_indexer(idx.levels[0])[idx.codes[0]]
    try:
        level = pd.DatetimeIndex(dates, freq=freq, name="date", copy=True)
    except ValueError:
        warnings.warn(f"Factor dates do not conform to the inferred trading calendar ({freq}); "
                      "retaining their observed frequency.", UserWarning, stacklevel=3)
        level = pd.DatetimeIndex(dates, name="date")
    new = pd.MultiIndex(levels=[level, idx.levels[1]], codes=[codes, idx.codes[1]], names=["date", "asset"],
                        verify_integrity=False)
    return frame.set_axis(new, axis=0)


def _zscore_filtered(wide: np.ndarray, filter_zscore) -> np.ndarray:
    """Alphalens' outlier filter with pandas' own arithmetic: per asset (column), a return whose distance
    from the column mean exceeds ``filter_zscore`` standard deviations becomes NaN. Any value but None
    filters, as in Alphalens: ``False`` or ``0`` keep only the returns equal to their asset's mean."""
    frame = pd.DataFrame(wide)
    mask = abs(frame - frame.mean()) > (filter_zscore * frame.std())
    return frame.mask(mask).to_numpy(dtype="float64")


def _forward_wide(prices: pd.DataFrame, periods, cumulative_returns: bool) -> tuple[pd.DataFrame, dict]:
    """Validated prices and each period's forward returns (bars x assets) under Alphalens' rule.

    ``prices.ffill().pct_change(N).shift(-N)`` (cumulative), or the one-bar return ending N bars ahead
    ``prices.ffill().pct_change(1).shift(-N)`` (``cumulative_returns=False``); a period of 0 is
    ``pct_change(0)``: 0 wherever there is a (forward-filled, non-zero) price.
    """
    wanted = sorted({int(p) for p in periods}) if not isinstance(periods, (int, np.integer)) else [int(periods)]
    positive = [p for p in wanted if p != 0]
    out = {}
    if positive:
        base = positive if cumulative_returns else [1]
        px, periods_, _, arrays, _, _ = forward_arrays(prices, base, 0, rule="alphalens")
        by_period = dict(zip(periods_, arrays.values()))
        if not cumulative_returns:
            check_periods(positive, len(px.index))
            one = by_period[1]
            for p in positive:
                shifted = np.full_like(one, np.nan)
                shifted[:len(one) - (p - 1)] = one[p - 1:]
                out[p] = shifted
        else:
            out.update(by_period)
    else:
        px = validate_prices(prices)
    if 0 in wanted:
        ff = marked_prices(px.to_numpy(dtype="float64"))
        with np.errstate(invalid="ignore", divide="ignore"):
            out[0] = ff / ff - 1.0
    return px, {p: out[p] for p in wanted}


def compute_forward_returns(factor, prices, periods=(1, 5, 10), filter_zscore=None, cumulative_returns=True):
    """N-period forward returns on the factor's (date, asset) index, one column per period.

    Alphalens' rule: ``prices.ffill().pct_change(N).shift(-N)`` (with
    ``cumulative_returns=False`` the one-bar return ending N bars ahead,
    ``pct_change(1).shift(-N)``); with ``filter_zscore`` (any value but
    None, as in Alphalens) a return more than that many standard deviations
    (per asset, over the factor dates) from its mean becomes NaN. Columns are
    labelled by calendar length ('1D', '5D', '7D' for weekly bars, '6h30m',
    '' for a period of 0); the date level carries the trading calendar as its
    frequency.
    """
    factor_dates = factor.index.levels[0]
    if factor_dates.tz != prices.index.tz:
        raise NonMatchingTimezoneError("The timezone of 'factor' is not the same as the timezone of "
                                       "'prices'. See the pandas methods tz_localize and tz_convert.")
    freq = _calendar_of(factor_dates, prices.index)
    dates = factor_dates.intersection(prices.index)
    if len(dates) == 0:
        raise AlignmentError("Factor and prices indices don't match: make sure they have the same "
                             "convention in terms of datetimes and symbol-names")
    prices = prices.filter(items=factor.index.levels[1])
    px, arrays = _forward_wide(prices, periods, cumulative_returns)
    rows = px.index.get_indexer(dates)
    out = {}
    for period, full in arrays.items():
        wide = full[rows]
        if filter_zscore is not None:
            wide = _zscore_filtered(wide, filter_zscore)
        out[_period_label(period, dates, prices.index, freq)] = wide
    fidx = factor.index
    r = dates.get_indexer(fidx.get_level_values(0))
    c = px.columns.get_indexer(fidx.get_level_values(1))
    ok = (r >= 0) & (c >= 0)
    data = {}
    for label, wide in out.items():
        col = np.full(len(fidx), np.nan)
        col[ok] = wide[r[ok], c[ok]]
        data[label] = col
    frame = pd.DataFrame(data, index=fidx.rename(["date", "asset"]))
    return _with_date_freq(frame, factor_dates, freq)


def _group_series(groupby, groupby_labels, index: pd.MultiIndex) -> pd.Series:
    """Alphalens' group column before the categorical cast: dict -> per entry, labels mapped."""
    if isinstance(groupby, dict):
        missing = set(index.get_level_values("asset")) - set(groupby.keys())
        if missing:
            raise GroupMappingError(f"Assets {list(missing)} not in group mapping")
        mapping = pd.Series(groupby)
        groupby = pd.Series(mapping[index.get_level_values("asset")].to_numpy(), index=index)
    if groupby_labels is not None:
        missing = set(groupby.values) - set(groupby_labels.keys())
        if missing:
            raise GroupMappingError(f"groups {list(missing)} not in passed group names")
        names = pd.Series(groupby_labels)
        groupby = pd.Series(names[groupby.values].to_numpy(), index=groupby.index)
    return groupby


def _before_binning(factor, prices, periods, groupby, filter_zscore) -> pd.DataFrame:
    """The entries Alphalens bins: every drop but binning's (one bin spanning all values never fails)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DroppedDataWarning)
        return _prepare(factor, prices, periods, None, [-np.inf, np.inf], groupby, False, False, 1.0,
                        filter_zscore, 0, 10, None, "report", "qcut", alphalens=True).frame


def _empty_groups(frame: pd.DataFrame) -> bool:
    """Whether a group has no entry on some date of ``frame`` (Alphalens' per-(date, group) binning
    visits every category on every date)."""
    idx = frame.index.remove_unused_levels()
    codes = np.asarray(frame["group"].cat.codes)
    return has_empty_groups(np.asarray(idx.codes[0]), codes, len(idx.levels[0]),
                            len(frame["group"].cat.categories))


def _mapped_groups(groupby, groupby_labels, factor: pd.Series):
    """``groupby`` checked as Alphalens checks it (every asset with a finite factor is mapped, every
    group has a label) and mapped through ``groupby_labels``; a dict stays a dict (asset -> group)."""
    if isinstance(groupby, dict):
        finite = np.isfinite(factor.to_numpy(dtype="float64"))
        assets = pd.unique(factor.index.get_level_values(1)[finite])
        missing = set(assets) - set(groupby.keys())
        if missing:
            raise GroupMappingError(f"Assets {list(missing)} not in group mapping")
    if groupby_labels is None:
        return groupby
    values = groupby.values() if isinstance(groupby, dict) else groupby.values
    missing = set(values) - set(groupby_labels.keys())
    if missing:
        raise GroupMappingError(f"groups {list(missing)} not in passed group names")
    if isinstance(groupby, dict):
        return {asset: groupby_labels[g] for asset, g in groupby.items()}
    return pd.Series(pd.Series(groupby_labels)[groupby.values].to_numpy(), index=groupby.index)


def _loss_summary(n_initial: int, n_after_returns: int, n_final: int, max_loss: float) -> None:
    """Alphalens' loss summary: printed to stdout as Alphalens prints it (always), and, when something was
    dropped, a DroppedDataWarning with the same numbers; raise when ``max_loss`` is exceeded."""
    tot = (n_initial - n_final) / n_initial if n_initial else 0.0
    fwd = (n_initial - n_after_returns) / n_initial if n_initial else 0.0
    summary = (f"Dropped {tot * 100:.1f}% entries from factor data: {fwd * 100:.1f}% in forward returns "
               f"computation and {(tot - fwd) * 100:.1f}% in binning phase (set max_loss=0 to see "
               "potentially suppressed Exceptions).")
    print(summary)
    if tot > max_loss:
        raise MaxLossExceededError(f"max_loss ({max_loss * 100:.1f}%) exceeded {tot * 100:.1f}%, "
                                   f"consider increasing it. {summary}")
    print(f"max_loss is {max_loss * 100:.1f}%, not exceeded: OK!")
    if n_initial - n_final:
        warnings.warn(f"{summary} max_loss is {max_loss * 100:.1f}%, not exceeded: OK!", DroppedDataWarning,
                      stacklevel=3)


def get_clean_factor(factor, forward_returns, groupby=None, binning_by_group=False, quantiles=5, bins=None,
                     groupby_labels=None, max_loss=0.35, zero_aware=False):
    """Merge a factor with precomputed forward returns, bin it and apply ``max_loss``, as Alphalens.

    Returns the Alphalens layout: ``forward_returns``' index and columns,
    'factor', ['group' (categorical),] 'factor_quantile' (int64, or float64
    when binning dropped entries), rows with any NaN removed.
    """
    n_initial = len(factor.index)
    fac = factor.copy()
    fac.index = fac.index.rename(["date", "asset"])
    fac = fac[np.isfinite(fac)]
    merged = forward_returns.copy()
    merged["factor"] = fac
    if groupby is not None:
        merged["group"] = _group_series(groupby, groupby_labels, fac.index).astype("category")
    merged = merged.dropna()
    n_after_returns = len(merged.index)
    merged["factor_quantile"] = quantize_factor(merged, quantiles, bins, binning_by_group, max_loss != 0,
                                                zero_aware)
    merged = merged.dropna()
    _loss_summary(n_initial, n_after_returns, len(merged.index), max_loss)
    return merged


def _core_handles(periods, filter_zscore, cumulative_returns) -> bool:
    """Whether factorlab's core computes these arguments as Alphalens does: cumulative returns, positive
    integer periods and a filter_zscore that is None or a positive number."""
    if not cumulative_returns:
        return False
    if filter_zscore is not None and (isinstance(filter_zscore, bool)
                                      or not isinstance(filter_zscore, (int, float, np.integer, np.floating))
                                      or not filter_zscore > 0):
        return False
    values = [periods] if isinstance(periods, (int, np.integer)) else list(periods)
    return all(isinstance(p, (int, np.integer)) and not isinstance(p, bool) and p > 0 for p in values)


def get_clean_factor_and_forward_returns(factor, prices, groupby=None, binning_by_group=False, quantiles=5,
                                         bins=None, periods=(1, 5, 10), filter_zscore=20, groupby_labels=None,
                                         max_loss=0.35, zero_aware=False, cumulative_returns=True):
    """Alphalens-layout factor data, computed by :func:`factorlab.prepare_factor_data`'s core under Alphalens' rule.

    Same frame as Alphalens (columns, dtypes, the date level's trading
    calendar); the loss summary is printed as Alphalens prints it (and a
    ``DroppedDataWarning`` when something was dropped). Arguments the core
    does not take (a period of 0, ``filter_zscore`` False or 0,
    ``cumulative_returns=False``) run Alphalens' own composition,
    :func:`compute_forward_returns` then :func:`get_clean_factor`.
    """
    if not _core_handles(periods, filter_zscore, cumulative_returns):
        # Alphalens' own composition, for what the vectorised core does not take (periods of 0, a
        # filter_zscore of False or 0, one-bar returns ending N bars ahead)
        forward = compute_forward_returns(factor, prices, periods, filter_zscore, cumulative_returns)
        return get_clean_factor(factor, forward, groupby=groupby, binning_by_group=binning_by_group,
                                quantiles=quantiles, bins=bins, groupby_labels=groupby_labels, max_loss=max_loss,
                                zero_aware=zero_aware)
    if groupby is not None and (isinstance(groupby, dict) or groupby_labels is not None):
        groupby = _mapped_groups(groupby, groupby_labels, factor)
    factor_dates = factor.index.levels[0]
    if factor_dates.tz != prices.index.tz:
        raise NonMatchingTimezoneError("The timezone of 'factor' is not the same as the timezone of "
                                       "'prices'. See the pandas methods tz_localize and tz_convert.")
    with warnings.catch_warnings():
        # the loss is reported below in Alphalens' terms; max_loss is applied there too
        warnings.simplefilter("ignore", DroppedDataWarning)
        fd = _prepare(factor, prices, periods, quantiles, bins, groupby, binning_by_group, zero_aware,
                      1.0, filter_zscore, 0, 10, None, "report", "qcut", alphalens=True)
    q = fd.quality
    n_binning = int(q.dropped.get("binning", 0))
    if max_loss == 0 and n_binning:  # Alphalens bins with no_raise=False then: pandas' error
        raise BinningError(f"Bin edges must be unique: {q.binning_message()}{_BIN_EDGES_HELP}")
    _loss_summary(len(factor.index), q.n_kept + n_binning, q.n_kept, max_loss)
    frame = fd.frame
    if n_binning:
        frame["factor_quantile"] = frame["factor_quantile"].astype("float64")
    if EMPTY_GROUPS_VISITED and binning_by_group and "group" in frame.columns \
            and empty_bin_fails(quantiles, bins, zero_aware) \
            and _empty_groups(frame if not n_binning else _before_binning(factor, prices, periods, groupby,
                                                                          filter_zscore)):
        if max_loss == 0:
            raise BinningError("Cannot cut empty array: a group has no entry on some date, and Alphalens bins "
                               "every group on every date (binning_by_group with max_loss=0)")
        if EMPTY_GROUPS_GIVE_OBJECT:
            frame["factor_quantile"] = frame["factor_quantile"].astype(object)
    freq = _calendar_of(factor_dates, prices.index)
    labels = [_period_label(p, factor_dates.intersection(prices.index), prices.index, freq)
              for p in fd.periods]
    frame = frame.rename(columns=dict(zip(fd.labels, labels)))
    if factor.dtype.kind in "iu":  # Alphalens' 'factor' column keeps an integer factor's dtype
        frame["factor"] = frame["factor"].astype(factor.dtype)
    return _with_date_freq(frame, factor_dates, freq)


def demean_forward_returns(factor_data, grouper=None):
    """Subtract the per-date (or per-``grouper``) mean from the forward-return columns."""
    factor_data = factor_data.copy()
    if not grouper:
        grouper = factor_data.index.get_level_values("date")
    cols = get_forward_returns_columns(factor_data.columns)
    means = factor_data.groupby(grouper, observed=False)[cols].transform("mean")
    factor_data[cols] = factor_data[cols] - means
    return factor_data


def backshift_returns_series(series: pd.Series, N: int) -> pd.Series:
    """Shift a (date, asset) Series back by ``N`` dates of its first level (backward -> forward returns)."""
    ix = series.index
    dates, sids = ix.levels
    date_codes, sid_codes = (np.asarray(c) for c in ix.codes)
    cutoff = date_codes.searchsorted(N)
    new_index = pd.MultiIndex(levels=[dates[:-N], sids], codes=[date_codes[cutoff:] - N, sid_codes[cutoff:]],
                              sortorder=1, names=ix.names)
    return pd.Series(data=series.to_numpy()[cutoff:], index=new_index)


def print_table(table, name=None, fmt=None):
    """Display a table (HTML in a notebook, text otherwise), ``name`` in its corner, ``fmt`` for floats.

    Shown through this module's :func:`display` (IPython's), looked up at call time as Alphalens does, so
    ``monkeypatch.setattr(utils, "display", ...)`` captures the tables.
    """
    if isinstance(table, pd.Series):
        table = pd.DataFrame(table)
    if isinstance(table, pd.DataFrame):
        table = table.copy()
        table.columns.name = name
    if fmt is None:
        display(table)
        return
    with pd.option_context("display.float_format", lambda x: fmt.format(x)):
        display(table)
