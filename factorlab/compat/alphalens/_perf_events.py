"""Alphalens' turnover and event-study functions, same arguments, same numbers.

``quantile_turnover``, ``factor_rank_autocorrelation``,
``common_start_returns`` and ``average_cumulative_return_by_quantile`` of
``alphalens.performance`` (alphalens-reloaded 0.5.1), computed on wide arrays
by :mod:`factorlab.factor._turnover` and :mod:`factorlab.factor._events`.

Note on ``average_cumulative_return_by_quantile``: alphalens-reloaded takes
*returns* (a wide frame of daily returns) and reads them as they are at each
offset, without rebasing to the event date, so its numbers are average daily
(not cumulative) returns per offset; passing prices gives price levels. This
module reproduces that behaviour for drop-in parity; factorlab's own
:func:`factorlab.average_cumulative_return_by_quantile` takes prices and
returns cumulative returns rebased to the event date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from factorlab.errors import ParameterError
from factorlab.factor._events import (
    EventGrid,
    check_window,
    event_table,
    group_mean,
    table_frame,
)
from factorlab.factor._turnover import (
    _on_grid,
    _shift_rows,
    check_period,
    quantile_turnover_array,
    row_corr,
    row_ranks,
)

__all__ = [
    "quantile_turnover",
    "factor_rank_autocorrelation",
    "common_start_returns",
    "average_cumulative_return_by_quantile",
]


def _long_to_wide(values: np.ndarray, index: pd.MultiIndex) -> tuple[np.ndarray, pd.DatetimeIndex, object]:
    """(date, asset) values -> (dates x assets) array (NaN where absent), the dates,
    and the frequency of the date level as Alphalens reads it (before unused levels go)."""
    date_level = index.names.index("date") if "date" in index.names else 0
    asset_level = 1 - date_level
    freq = getattr(index.levels[date_level], "freq", None)
    idx = index.remove_unused_levels()
    dates, assets = idx.levels[date_level], idx.levels[asset_level]
    out = np.full((len(dates), len(assets)), np.nan)
    out[idx.codes[date_level], idx.codes[asset_level]] = values
    return out, pd.DatetimeIndex(dates), freq


def quantile_turnover(quantile_factor: pd.Series, quantile: int, period: int = 1) -> pd.Series:
    """Alphalens ``quantile_turnover``: share of a quantile's names new since ``period`` dates ago.

    Parameters
    ----------
    quantile_factor : pd.Series
        Quantile labels indexed by (date, asset) (``factor_data['factor_quantile']``).
    quantile : int
    period : int, default 1
        Lag on the date level's frequency grid when it has one, else in
        dates present for that quantile.

    Returns
    -------
    pd.Series named ``quantile``, indexed by date
    """
    period = check_period(period)
    wide, dates, freq = _long_to_wide(quantile_factor.to_numpy(dtype="float64"), quantile_factor.index)
    return quantile_turnover_array(wide, dates, quantile, period, freq)


def factor_rank_autocorrelation(factor_data: pd.DataFrame, period: int = 1) -> pd.Series:
    """Alphalens ``factor_rank_autocorrelation``: correlation of date ranks with ranks ``period`` dates ago.

    Parameters
    ----------
    factor_data : pd.DataFrame
        Alphalens layout with a 'factor' column.
    period : int, default 1

    Returns
    -------
    pd.Series named ``period``, indexed by date
    """
    period = check_period(period)
    wide, dates, freq = _long_to_wide(factor_data["factor"].to_numpy(dtype="float64"), factor_data.index)
    ranks, index = _on_grid(row_ranks(wide), dates, freq)
    return pd.Series(row_corr(ranks, _shift_rows(ranks, period, np.nan)), index=index, name=period)


def _cum_index(returns: pd.DataFrame) -> np.ndarray:
    """empyrical ``cum_returns(starting_value=1)`` per column: NaN counts as 0."""
    r = returns.to_numpy(dtype="float64")
    return np.cumprod(1.0 + np.where(np.isnan(r), 0.0, r), axis=0)


def _grid_from_index(index: pd.MultiIndex, values: pd.DataFrame,
                     array: np.ndarray) -> tuple[EventGrid, pd.Index]:
    idx = index.remove_unused_levels()
    dates, assets = idx.levels[0], idx.levels[1]
    rows = values.index.get_indexer(dates)
    cols = values.columns.get_indexer(assets)
    found = rows[idx.codes[0]] >= 0
    missing = found & (cols[idx.codes[1]] < 0)
    if missing.any():
        absent = list(pd.unique(assets[idx.codes[1][missing]]))[:5]
        raise KeyError(f"assets {absent} are not in returns.columns")
    grid = EventGrid(date_idx=np.asarray(idx.codes[0], dtype=np.int64),
                     asset_idx=np.asarray(idx.codes[1], dtype=np.int64), rows=rows,
                     cols=cols, values=array, relative=False, n_dates=len(dates))
    return grid, dates


def common_start_returns(factor, returns, before, after, cumulative=False, mean_by_date=False,
                         demean_by=None):
    """Alphalens ``common_start_returns``: returns of every (date, asset) event on a common offset index.

    Parameters
    ----------
    factor : pd.DataFrame or pd.Series
        (date, asset) index; the values are not used.
    returns : pd.DataFrame, shape (bars, assets)
        Daily returns, or an already cumulative index with ``cumulative=True``.
    before, after : int
        Offsets ``-before .. after``.
    cumulative : bool
        False: compound ``returns`` into an index starting at 1 (NaN as 0).
    mean_by_date : bool
        One column per date (mean over its assets) instead of per event.
    demean_by : pd.DataFrame or pd.Series, optional
        (date, asset) index whose assets on each date form the universe
        whose mean is subtracted.

    Returns
    -------
    pd.DataFrame, shape (offsets, events or dates)
        Index: offsets; columns: the event assets (date-major, in the order
        of ``factor``) or 0..n-1 with ``mean_by_date``. Dates not in
        ``returns`` are skipped, as in Alphalens.
    """
    offsets = check_window(before, after)
    array = returns.to_numpy(dtype="float64") if cumulative else _cum_index(returns)
    index = factor.index
    grid, dates = _grid_from_index(index, returns, array)
    if demean_by is not None:
        u_idx = demean_by.index
        u_d = pd.Index(dates).get_indexer(u_idx.get_level_values(0))
        ok = u_d >= 0
        u_c = returns.columns.get_indexer(u_idx.get_level_values(1))[ok]
        ugrid = EventGrid(date_idx=u_d[ok], asset_idx=np.arange(len(u_c)), rows=grid.rows, cols=u_c,
                          values=array, relative=False, n_dates=len(dates))
    kept = [k for k in offsets if grid.offset_in_range(int(k))]
    ev = grid.rows[grid.date_idx] >= 0
    cols = []
    for k in kept:
        x = grid.at_offset(int(k))
        if demean_by is not None:
            m = group_mean(ugrid.at_offset(int(k)), ugrid.date_idx, len(dates))
            x = x - m[grid.date_idx]
        cols.append(x[ev])
    data = np.vstack(cols) if cols else np.empty((0, int(ev.sum())))
    out_index = pd.Index(np.asarray(kept, dtype=np.int64))
    row_order = _concat_offsets(grid.rows, before, after, len(returns.index))
    if not mean_by_date:
        order = np.lexsort((np.arange(len(ev))[ev], grid.date_idx[ev]))
        assets = index.get_level_values(1)[ev][order]
        out = pd.DataFrame(data[:, order], index=out_index, columns=assets)
        return out if row_order is None else out.reindex(row_order)
    d_ev = grid.date_idx[ev]
    ud = np.unique(d_ev)
    means = np.vstack([group_mean(row, np.searchsorted(ud, d_ev), len(ud)) for row in data]) if cols \
        else np.empty((0, len(ud)))
    out = pd.DataFrame(means, index=out_index, columns=pd.RangeIndex(len(ud)))
    return out if row_order is None else out.reindex(row_order)


def _concat_offsets(rows: np.ndarray, before: int, after: int, n_bars: int) -> pd.Index | None:
    """The row order Alphalens' ``pd.concat`` of per-date offset ranges gives (None: already sorted).

    Alphalens concatenates one column block per date, each indexed by the
    offsets that fit inside the returns (fewer near the first and last
    bars); pandas' unsorted union of those blocks puts, for example, the
    negative offsets last when the first event date is the first bar. The
    same union of the distinct blocks, in date order, gives that order.
    """
    r = rows[rows >= 0]
    if len(r) == 0:
        return None
    spans = np.column_stack([np.maximum(r - before, 0) - r, np.minimum(r + after + 1, n_bars) - r])
    firsts = np.unique(spans, axis=0, return_index=True)[1]
    distinct = spans[np.sort(firsts)]
    if len(distinct) == 1:
        return None
    blocks = [pd.Series(np.nan, index=pd.RangeIndex(a, b)) for a, b in distinct]
    return pd.concat(blocks, axis=1).index


def average_cumulative_return_by_quantile(factor_data, returns, periods_before=10, periods_after=15,
                                          demeaned=True, group_adjust=False, by_group=False):
    """Alphalens-reloaded ``average_cumulative_return_by_quantile`` (reads ``returns`` as given).

    Parameters
    ----------
    factor_data : pd.DataFrame
        Alphalens layout ('factor_quantile' and, for group options, 'group').
    returns : pd.DataFrame, shape (bars, assets)
        Wide daily returns. They are read as they are at each offset
        (``common_start_returns(..., cumulative=True)``), not compounded nor
        rebased: the result is the average demeaned return of the bar at each
        offset. See :func:`factorlab.average_cumulative_return_by_quantile`
        for cumulative returns rebased to the event date.
    periods_before, periods_after, demeaned, group_adjust, by_group
        As in Alphalens.

    Returns
    -------
    pd.DataFrame
        Index (factor_quantile, 'mean'/'std'[, 'group']), columns offsets.
    """
    offsets = check_window(periods_before, periods_after)
    need_groups = group_adjust or by_group
    if need_groups and "group" not in factor_data.columns:
        raise ParameterError("group_adjust/by_group need a 'group' column in factor_data")
    grid, _ = _grid_from_index(factor_data.index, returns, returns.to_numpy(dtype="float64"))
    qcode, q_labels = pd.factorize(factor_data["factor_quantile"].to_numpy(), sort=True)
    gcode, g_labels = None, None
    if need_groups:
        gcode, g_labels = pd.factorize(pd.Series(factor_data["group"]).to_numpy(dtype=object), sort=True)
        g_labels = pd.Index(g_labels, name="group")
    kept = np.array([k for k in offsets if grid.offset_in_range(int(k))], dtype=np.int64)
    if len(kept) == 0:
        raise ParameterError("no offset of the window falls inside the returns' dates")
    n_groups = len(g_labels) if need_groups else 1
    mean, std, present = event_table(grid, kept, qcode.astype(np.int64), gcode, n_groups,
                                     demeaned, group_adjust, by_group)
    out = table_frame(mean, std, present, np.asarray(q_labels), g_labels if by_group else None, kept)
    if len(kept) != len(offsets) or by_group:
        out.columns = pd.Index(kept.tolist(), dtype=object if by_group else np.int64)
    if by_group or not group_adjust:
        order = _event_column_order(grid.rows[grid.date_idx], qcode, gcode if by_group else None,
                                    periods_before, periods_after, len(returns.index))
        if order is not None:
            out = out.reindex(columns=pd.Index(list(order), dtype=out.columns.dtype))
    return out


def _event_column_order(event_rows: np.ndarray, qcode: np.ndarray, gcode: np.ndarray | None,
                        before: int, after: int, n_bars: int) -> pd.Index | None:
    """Alphalens' column order: per (group,) quantile the offsets :func:`common_start_returns`
    lists, then pandas' unsorted union of those across quantiles (and groups); None when sorted."""
    groups = np.zeros(len(qcode), dtype=np.int64) if gcode is None else np.asarray(gcode)
    blocks = []
    for g in np.unique(groups):
        for q in np.unique(qcode[groups == g]):
            sel = (groups == g) & (qcode == q)
            order = _concat_offsets(np.unique(event_rows[sel]), before, after, n_bars)
            if order is not None:
                blocks.append(order)
            else:
                r = event_rows[sel][event_rows[sel] >= 0]
                if len(r):
                    lo, hi = max(int(r[0]) - before, 0) - int(r[0]), min(int(r[0]) + after + 1, n_bars) - int(r[0])
                    blocks.append(pd.RangeIndex(lo, hi))
    if not blocks:
        return None
    union = pd.concat([pd.DataFrame(columns=b) for b in blocks], axis=0).columns
    return None if union.is_monotonic_increasing else union
