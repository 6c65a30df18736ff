"""Event studies: average cumulative returns around the factor dates, by quantile.

Every kept (date, asset) entry of a :class:`~factorlab.factor.FactorData` is
an event at its date t. For each offset k in ``-periods_before ..
periods_after`` the return of the event is ``P[t+k] / P[t] - 1`` (bars of the
price index; for k < 0 it is the return from t back to t+k, negative of the
run-up), optionally minus the mean of the same quantity over that date's whole
universe (``demeaned``) or the asset's group (``group_adjust``). A quantile's
value on a date is the mean over its names; the table gives the mean and the
standard deviation (ddof=1) of those per-date values over dates.

Implementation: for each offset the (dates x assets) matrix of event returns
is built with one fancy-indexed read of the price array; the means per
(date, quantile[, group]) are ``np.bincount`` sums over integer keys. There
is no loop over dates or assets.

Alphalens-reloaded 0.5.1 (``alphalens.performance.average_cumulative_return_by_quantile``)
differs from this on purpose, see :func:`average_cumulative_return_by_quantile`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from factorlab.data._validate import validate_prices
from factorlab.errors import ParameterError
from factorlab.factor._prepare import FactorData
from factorlab.factor._turnover import check_quantile

__all__ = ["common_start_returns", "average_cumulative_return_by_quantile"]


# --------------------------------------------------------------------------- the event grid
@dataclass(frozen=True)
class EventGrid:
    """The events (kept cells) of a factor, located in a panel of values.

    Attributes
    ----------
    date_idx, asset_idx : ndarray of int, shape (events,)
        Row (date) and column (asset) of every event in the factor's grid.
    rows : ndarray of int, shape (dates,)
        Row of every factor date in ``values`` (-1: date not in it).
    cols : ndarray of int, shape (assets,)
        Column of every factor asset in ``values`` (-1: asset not in it).
    values : ndarray, shape (bars, columns)
        Prices (relative returns are taken) or values read as they are.
    relative : bool
        True: event value ``V[t+k] / V[t] - 1``; False: ``V[t+k]``.
    n_dates : int
        Number of factor dates.
    """

    date_idx: np.ndarray
    asset_idx: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    relative: bool
    n_dates: int

    @property
    def in_values(self) -> np.ndarray:
        """Events whose date and asset are in the values panel, shape (events,)."""
        return (self.rows[self.date_idx] >= 0) & (self.cols[self.asset_idx] >= 0)

    def at_offset(self, k: int) -> np.ndarray:
        """Event values at offset ``k``, shape (events,); NaN outside the panel."""
        r0 = self.rows[self.date_idx]
        c = self.cols[self.asset_idx]
        r = r0 + k
        ok = (r0 >= 0) & (c >= 0) & (r >= 0) & (r < self.values.shape[0])
        out = np.full(len(r0), np.nan)
        out[ok] = self.values[r[ok], c[ok]]
        if self.relative:
            start = np.full(len(r0), np.nan)
            start[ok] = self.values[r0[ok], c[ok]]
            with np.errstate(divide="ignore", invalid="ignore"):
                out = out / start - 1.0
        return out

    def offset_in_range(self, k: int) -> bool:
        """Whether any event date has row ``t+k`` inside the panel."""
        r = self.rows[self.rows >= 0] + k
        return bool(np.any((r >= 0) & (r < self.values.shape[0])))


def check_window(periods_before: int, periods_after: int) -> np.ndarray:
    """Validate the window and return the offsets ``-periods_before .. periods_after``."""
    for name, v in (("periods_before", periods_before), ("periods_after", periods_after)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ParameterError(f"{name} must be an integer number of bars >= 0, got {v!r}")
    return np.arange(-int(periods_before), int(periods_after) + 1)


def group_mean(x: np.ndarray, key: np.ndarray, n_keys: int) -> np.ndarray:
    """Mean of ``x`` per integer key, NaN skipped (inf kept); shape (n_keys,)."""
    valid = ~np.isnan(x)
    s = np.bincount(key, weights=np.where(valid, x, 0.0), minlength=n_keys)
    c = np.bincount(key, weights=valid.astype("float64"), minlength=n_keys)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(c > 0, s / np.where(c > 0, c, 1.0), np.nan)


def demeaned_values(x: np.ndarray, demean_key: np.ndarray | None, n_keys: int) -> np.ndarray:
    """``x`` minus the mean of its demeaning universe (no-op for ``demean_key=None``)."""
    if demean_key is None:
        return x
    return x - group_mean(x, demean_key, n_keys)[demean_key]


def _nan_stats(v: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(v, axis=axis), np.nanstd(v, axis=axis, ddof=1)


# --------------------------------------------------------------------------- the table core
def event_table(grid: EventGrid, offsets: np.ndarray, quant: np.ndarray, gcode: np.ndarray | None,
                n_groups: int, demeaned: bool, group_adjust: bool, by_group: bool,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and std over dates of the per-date quantile means, for every offset.

    Parameters
    ----------
    grid : EventGrid
    offsets : ndarray of int, shape (offsets,)
    quant : ndarray of int, shape (events,)
        0-based quantile code of every event (``n_q`` codes).
    gcode : ndarray of int, shape (events,), or None
        0-based group code of every event (needed by group options).
    n_groups : int
    demeaned, group_adjust, by_group : bool
        Alphalens' options (see :func:`average_cumulative_return_by_quantile`).

    Returns
    -------
    mean, std : ndarray, shape (buckets, offsets)
        Buckets are quantiles, or (quantile, group) pairs ``q * n_groups + g``
        when ``by_group``.
    present : ndarray of bool, shape (buckets,)
        Buckets that have at least one event.
    """
    n_q = int(quant.max()) + 1 if len(quant) else 0
    d = grid.date_idx
    split = by_group or group_adjust
    n_b = n_q * n_groups if split else n_q
    bucket = quant * n_groups + gcode if split else quant
    key = d * n_b + bucket
    n_d = grid.n_dates
    if group_adjust:
        demean_key, n_dk = d * n_groups + gcode, n_d * n_groups
    elif demeaned:
        demean_key, n_dk = d, n_d
    else:
        demean_key, n_dk = None, 0
    present = np.bincount(bucket[grid.in_values], minlength=n_b) > 0
    pooled = group_adjust and not by_group
    if pooled:
        present = present.reshape(n_q, n_groups).any(axis=1)
    mean = np.full((len(present), len(offsets)), np.nan)
    std = np.full((len(present), len(offsets)), np.nan)
    for j, k in enumerate(offsets):
        v = demeaned_values(grid.at_offset(int(k)), demean_key, n_dk)
        per_date = group_mean(v, key, n_d * n_b).reshape(n_d, n_b)
        if pooled:
            # Alphalens pools the (group, date) samples of a quantile, inf kept
            samples = per_date.reshape(n_d, n_q, n_groups).transpose(1, 0, 2).reshape(n_q, -1)
            mean[:, j], std[:, j] = _nan_stats(samples, axis=1)
        else:
            per_date[np.isinf(per_date)] = np.nan
            mean[:, j], std[:, j] = _nan_stats(per_date, axis=0)
    return mean, std, present


def table_frame(mean: np.ndarray, std: np.ndarray, present: np.ndarray, q_labels: np.ndarray,
                g_labels: pd.Index | None, offsets: np.ndarray) -> pd.DataFrame:
    """Alphalens' layout: index (factor_quantile, 'mean'/'std'[, group]), columns offsets."""
    n_g = len(g_labels) if g_labels is not None else 1
    order = np.arange(len(present)).reshape(-1, n_g).T.ravel() if g_labels is not None \
        else np.arange(len(present))
    order = order[present[order]]
    values = np.empty((2 * len(order), len(offsets)))
    values[0::2], values[1::2] = mean[order], std[order]
    q = np.repeat(q_labels[order // n_g], 2)
    stat = np.tile(["mean", "std"], len(order))
    arrays = [q, stat] + ([np.repeat(np.asarray(g_labels, dtype=object)[order % n_g], 2)]
                          if g_labels is not None else [])
    names = ["factor_quantile", None] + (["group"] if g_labels is not None else [])
    index = pd.MultiIndex.from_arrays(arrays, names=names)
    return pd.DataFrame(values, index=index, columns=pd.RangeIndex(offsets[0], offsets[-1] + 1))


# --------------------------------------------------------------------------- the fast path
#: Cells (dates x buckets x assets) of the per-block bucket weight array.
_WINDOW_BLOCK_CELLS = 2**19


def _window_sums(weights_of, rows: np.ndarray, panel: np.ndarray, n_before: int, n_after: int,
                 n_buckets: int) -> np.ndarray:
    """Per (date, bucket, offset) weighted sums of the panel rows around each date.

    ``out[t, b, j] = sum_a weights_of(block)[t, b, a] * panel[rows[t] + offsets[j], a]``
    (0 outside the panel): one small matrix product per date, batched by
    ``np.matmul`` over a strided window view of the (padded) panel, so no
    (dates x assets x offsets) array is ever built.
    """
    n_bars, n_assets = panel.shape
    width = n_before + n_after + 1
    flags = panel.dtype == np.bool_  # a presence panel: padded as bools (1/8 of the memory), cast per block
    padded = np.zeros((n_bars + width - 1, n_assets), dtype=np.bool_ if flags else np.float64)
    padded[n_before:n_before + n_bars] = panel
    if not flags:
        np.nan_to_num(padded, copy=False)  # a missing price adds nothing
    windows = sliding_window_view(padded, width, axis=0)  # (n_bars, assets, width): window of bar r at [r]
    out = np.empty((len(rows), n_buckets, width))
    # blocks of dates: the weights (and gathered windows) stay a few MB
    step = max(1, _WINDOW_BLOCK_CELLS // max(n_assets * max(n_buckets, width), 1))
    for lo in range(0, len(rows), step):
        hi = min(lo + step, len(rows))
        r = rows[lo:hi]
        win = windows[r[0]:r[-1] + 1] if r[-1] - r[0] == hi - lo - 1 else windows[r]
        np.matmul(weights_of(lo, hi), win.astype(np.float64) if flags else win, out=out[lo:hi])
    return out


def _aligned_panel(values: pd.DataFrame, assets: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """The values as a float array with one column per factor asset (NaN for an asset they lack; no
    copy when they already line up), and which assets they have."""
    cols = values.columns.get_indexer(assets)
    have = cols >= 0
    src = values.to_numpy(dtype="float64")
    if have.all() and np.array_equal(cols, np.arange(src.shape[1])):
        return src, have
    panel = np.full((len(values.index), len(assets)), np.nan)
    panel[:, have] = src[:, cols[have]]
    return panel, have


class _ZeroStart(Exception):
    """An event starts at a price of 0 (infinite returns): the per-offset table handles it."""


def dense_event_table(fd: FactorData, values: pd.DataFrame, offsets: np.ndarray, demeaned: bool
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """:func:`fast_event_table` without groups, read from the factor's date x asset arrays a block of
    dates at a time: no per-event arrays (10 million events are 400 MB of indices and codes).

    Each block's bucket weights ``1 / P[t]`` on the names of the bucket are
    built from the quantile labels and the prices directly; the sums, counts
    and table are :func:`fast_event_table`'s.

    Returns
    -------
    (mean, std, present, q_labels), or None when a label is negative, an
    event starts at a price of 0, or a factor date is not a price bar (the
    event-array paths then apply).
    """
    rows = values.index.get_indexer(fd.dates)
    mask = fd.mask
    if len(offsets) == 0 or (rows < 0).any() or not mask.any():
        return None
    quant = fd.quantile.to_numpy(dtype="float64")
    n_d, n_a = mask.shape
    q_labels = fd.quantile_labels  # the labels present, shared with the quantile tables
    if len(q_labels) == 0 or q_labels.min() < 0:
        return None
    lut = np.full(int(q_labels.max()) + 1, -1, dtype=np.int64)
    lut[q_labels] = np.arange(len(q_labels))
    n_b = len(q_labels)
    panel, have = _aligned_panel(values, fd.assets)

    def codes_and_inv(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Bucket code per cell (-1: no event), 1 / start price on priced events (0 elsewhere), events."""
        member = mask[lo:hi]
        code = np.where(member, lut[np.where(member, quant[lo:hi], 0).astype(np.int64)], -1)
        start = panel[rows[lo:hi]]
        event = member & ~np.isnan(start)
        if (start[event] == 0).any():
            raise _ZeroStart
        with np.errstate(divide="ignore"):
            inv = np.where(event, np.divide(1.0, start), 0.0)
        return code, inv, event

    present = np.zeros(n_b, dtype=bool)  # buckets with an event whose asset has prices
    n_ev = np.zeros((n_d, n_b))          # priced events per (date, bucket)

    def weights(event_values: bool):
        def of(lo: int, hi: int) -> np.ndarray:
            code, inv, event = codes_and_inv(lo, hi)
            w = np.zeros((hi - lo, n_b, n_a))
            for b in range(n_b):
                in_bucket = code == b
                in_b = event & in_bucket
                if event_values:  # the sums' pass visits every date once: count the events there too
                    w[:, b] = np.where(in_b, inv, 0.0)
                    present[b] |= bool((in_bucket & have[None, :]).any())
                    n_ev[lo:hi, b] = in_b.sum(axis=1)
                else:
                    w[:, b] = in_b
            return w
        return of

    before, after = -int(offsets[0]), int(offsets[-1])
    try:
        sums = _window_sums(weights(True), rows, panel, before, after, n_b)
        present_price = ~np.isnan(panel)
        if present_price.all():
            inside = (rows[:, None] + offsets[None, :] >= 0) & (rows[:, None] + offsets[None, :] < panel.shape[0])
            counts = n_ev[:, :, None] * inside[:, None, :]
        else:
            counts = _window_sums(weights(False), rows, present_price, before, after, n_b)
    except _ZeroStart:
        return None
    mean, std, present = _table_from_sums(sums, counts, offsets, n_b, 1, demeaned, False, False, present)
    return mean, std, present, q_labels


def fast_event_table(fd: FactorData, values: pd.DataFrame, offsets: np.ndarray, d_idx: np.ndarray,
                     a_idx: np.ndarray, qcode: np.ndarray, gcode: np.ndarray | None, n_groups: int,
                     demeaned: bool, group_adjust: bool, by_group: bool
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """:func:`event_table` for price returns, by window sums instead of a pass per offset.

    The mean of ``P[t+k] / P[t] - 1`` over a (date, bucket) is
    ``sum(P[t+k] * (1 / P[t])) / count - 1``: the sums over the bucket's names
    are, for all offsets at once, a product of the bucket's ``1 / P[t]``
    weights with the window of price rows around the date. Counts are
    products with the window of price presence. Demeaning subtracts the
    universe's mean, formed from the same sums. Offset 0 is exactly 0.

    Returns None (use :func:`event_table`) when an event starts at a price of 0
    (the returns out of it are infinite) or a factor date is not a price bar.
    A price of 0 after the start (a bankruptcy) is a -100% return, the same in
    both; under :func:`prepare_factor_data`'s membership rule no event starts
    at 0, so a panel with bankruptcies keeps the fast path.
    """
    rows = values.index.get_indexer(fd.dates)
    if len(d_idx) == 0 or (rows < 0).any() or len(offsets) == 0:
        return None
    panel, have = _aligned_panel(values, fd.assets)
    n_q = int(qcode.max()) + 1 if len(qcode) else 0
    split = by_group or group_adjust
    n_b = n_q * n_groups if split else n_q
    bucket = qcode * n_groups + gcode if split else qcode
    present = np.bincount(bucket[have[a_idx]], minlength=n_b) > 0  # events whose asset has prices
    start = panel[rows[d_idx], a_idx]
    if (start == 0).any():
        return None
    ok = ~np.isnan(start)
    if not ok.all():  # (the usual case, every event priced, copies nothing)
        d_idx, a_idx, bucket, start = d_idx[ok], a_idx[ok], bucket[ok], start[ok]
    inv = np.divide(1.0, start, out=start)
    n_dates = len(rows)
    before, after = -int(offsets[0]), int(offsets[-1])
    present_price = ~np.isnan(panel)
    all_priced = bool(present_price.all())

    def bucket_sums(sel: np.ndarray | None, cell: np.ndarray, n_cells: int
                    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Window sums (and counts) of the events ``sel`` (date-sorted; None: all) in ``n_cells``
        cells, over the columns those events use only."""
        d, a, w_ev = (d_idx, a_idx, inv) if sel is None else (d_idx[sel], a_idx[sel], inv[sel])
        seen = np.zeros(panel.shape[1], dtype=bool)
        seen[a] = True
        used = np.flatnonzero(seen)
        a_loc = (np.cumsum(seen, dtype=np.int32) - 1)[a]  # position of each event's asset in ``used``
        bounds = np.searchsorted(d, np.arange(n_dates + 1))

        def block_weights(values_of_events: np.ndarray):
            def weights(lo: int, hi: int) -> np.ndarray:
                e0, e1 = bounds[lo], bounds[hi]
                w = np.zeros((hi - lo, n_cells, len(used)))
                np.put(w, ((d[e0:e1] - lo) * n_cells + cell[e0:e1]) * len(used) + a_loc[e0:e1],
                       values_of_events[e0:e1])
                return w
            return weights

        every = len(used) == panel.shape[1]  # no column copy when the events use every column
        sums = _window_sums(block_weights(w_ev), rows, panel if every else panel[:, used], before, after, n_cells)
        if all_priced:
            return sums, None
        counts = _window_sums(block_weights(np.ones(len(d))), rows,
                              present_price[:, used].astype("float64"), before, after, n_cells)
        return sums, counts

    if split:
        # one product per group over its own columns: Q buckets x its names, not Q x G x all names
        sums = np.zeros((n_dates, n_q, n_groups, len(offsets)))
        counts = None if all_priced else np.zeros_like(sums)
        q_of, g_of = np.divmod(bucket, n_groups)
        for g in range(n_groups):
            sel = np.flatnonzero(g_of == g)
            if len(sel):
                s_g, c_g = bucket_sums(sel, q_of[sel], n_q)
                sums[:, :, g] = s_g
                if c_g is not None:
                    counts[:, :, g] = c_g
        sums = sums.reshape(n_dates, n_b, -1)
        counts = None if counts is None else counts.reshape(n_dates, n_b, -1)
    else:
        sums, counts = bucket_sums(None, bucket, n_b)
    if counts is None:  # every price present: names of the bucket, on offsets inside the price bars
        n_ev = np.bincount(d_idx * n_b + bucket, minlength=n_dates * n_b).reshape(n_dates, n_b)
        inside = (rows[:, None] + offsets[None, :] >= 0) & (rows[:, None] + offsets[None, :] < panel.shape[0])
        counts = n_ev[:, :, None] * inside[:, None, :]
    return _table_from_sums(sums, counts, offsets, n_q, n_groups, demeaned, group_adjust, by_group, present)


def _table_from_sums(sums, counts, offsets, n_q, n_groups, demeaned, group_adjust, by_group, present):
    """Mean and std over dates of the per-date bucket means (see :func:`event_table`)."""
    n_d = sums.shape[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        per_date = sums / counts - 1.0
        if group_adjust:  # universe: the date's names of the same group
            s = sums.reshape(n_d, n_q, n_groups, -1).sum(axis=1)
            c = counts.reshape(n_d, n_q, n_groups, -1).sum(axis=1)
            universe = np.broadcast_to((s / c - 1.0)[:, None], (n_d, n_q, n_groups, s.shape[-1]))
            per_date = per_date - universe.reshape(per_date.shape)
        elif demeaned:
            universe = sums.sum(axis=1) / counts.sum(axis=1) - 1.0
            per_date = per_date - universe[:, None, :]
    zero = np.flatnonzero(offsets == 0)
    per_date[:, :, zero] = np.where(counts[:, :, zero] > 0, 0.0, np.nan)  # P[t] / P[t] - 1, exactly
    pooled = group_adjust and not by_group
    if pooled:
        present = present.reshape(n_q, n_groups).any(axis=1)
        samples = per_date.reshape(n_d, n_q, n_groups, -1).transpose(1, 0, 2, 3).reshape(n_q, n_d * n_groups, -1)
        mean, std = _nan_stats(samples, axis=1)
    else:
        mean, std = _nan_stats(per_date, axis=0)
    return mean, std, present


# --------------------------------------------------------------------------- FactorData glue
def _price_values(fd: FactorData, prices: pd.DataFrame | None) -> pd.DataFrame:
    if prices is None:
        if fd.prices is None:
            raise ParameterError("event returns need prices: pass prices= or build the FactorData "
                                 "with prices (prepare_factor_data, FactorData.from_frame(..., prices=))")
        return fd.prices
    return validate_prices(prices)


def _label_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique labels and the code of each value (``np.unique(..., return_inverse=True)``),
    by counting when the labels are small non-negative integers (quantiles)."""
    if len(values) and np.all(values == np.floor(values)) and 0 <= values.min() and values.max() < 1e6:
        ints = values.astype(np.int64)
        seen = np.bincount(ints) > 0
        codes = np.cumsum(seen) - 1
        return np.flatnonzero(seen).astype(values.dtype), codes[ints]
    labels, codes = np.unique(values, return_inverse=True)
    return labels, codes.reshape(-1)


def fd_codes(fd: FactorData, need_groups: bool) -> tuple:
    """Events of ``fd`` with quantile and group codes.

    Returns
    -------
    date_idx, asset_idx : ndarray of int, shape (events,)
    qcode : ndarray of int, shape (events,) and q_labels (sorted quantile labels)
    gcode : ndarray of int or None and g_labels : pd.Index or None (sorted groups)
    """
    if need_groups and fd.group is None:
        raise ParameterError("group_adjust=True and by_group=True need groups: prepare the factor "
                             "with groupby= (or a frame with a 'group' column)")
    date_idx, asset_idx = np.nonzero(fd.mask)
    q_labels, qcode = _label_codes(fd.quantile.to_numpy()[fd.mask])  # same order as np.nonzero
    gcode, g_labels = None, None
    if need_groups:
        gcode, g_labels = pd.factorize(fd.group.to_numpy(dtype=object)[date_idx, asset_idx], sort=True)
        g_labels = pd.Index(g_labels, name="group")
    return date_idx, asset_idx, q_labels.astype(np.int64), qcode.astype(np.int64, copy=False), gcode, g_labels


def _grid_for(fd: FactorData, values: pd.DataFrame, date_idx, asset_idx, relative: bool) -> EventGrid:
    return EventGrid(date_idx=date_idx, asset_idx=asset_idx,
                     rows=values.index.get_indexer(fd.dates), cols=values.columns.get_indexer(fd.assets),
                     values=values.to_numpy(dtype="float64"), relative=relative, n_dates=len(fd.dates))


def common_start_returns(
    fd: FactorData,
    prices: pd.DataFrame | None = None,
    periods_before: int = 10,
    periods_after: int = 15,
    *,
    quantile: int | None = None,
    demeaned: bool = False,
    group_adjust: bool = False,
    mean_by_date: bool = False,
) -> pd.DataFrame:
    """The cumulative return path of every event, aligned on the event date.

    Parameters
    ----------
    fd : FactorData
    prices : pd.DataFrame, shape (bars, assets), optional
        Prices to measure returns with; default ``fd.prices``.
    periods_before, periods_after : int
        Bars before and after the event date.
    quantile : int, optional
        Keep only the events of this quantile (1-based); default all.
    demeaned : bool, default False
        Subtract, per date and offset, the mean event return of the date's
        whole universe (all quantiles).
    group_adjust : bool, default False
        Subtract the mean of the asset's group instead (needs groups).
    mean_by_date : bool, default False
        Average the events of each date.

    Returns
    -------
    pd.DataFrame
        Columns: offsets ``-periods_before .. periods_after`` (bars); values
        ``P[t+k] / P[t] - 1`` as fractions (0 at offset 0), NaN where the
        window leaves the price data. Rows: events, a (date, asset)
        MultiIndex, or dates with ``mean_by_date``.
    """
    offsets = check_window(periods_before, periods_after)
    values = _price_values(fd, prices)
    d_idx, a_idx, q_labels, qcode, gcode, g_labels = fd_codes(fd, group_adjust)
    grid = _grid_for(fd, values, d_idx, a_idx, relative=True)
    n_d = len(fd.dates)
    if group_adjust:
        dk, n_dk = d_idx * len(g_labels) + gcode, n_d * len(g_labels)
    else:
        dk, n_dk = (d_idx, n_d) if demeaned else (None, 0)
    keep = np.ones(len(d_idx), dtype=bool)
    if quantile is not None:
        quantile = check_quantile(quantile, fd.n_quantiles)
        keep = q_labels[qcode] == quantile
    cols = np.column_stack([demeaned_values(grid.at_offset(int(k)), dk, n_dk)[keep] for k in offsets]) \
        if len(offsets) else np.empty((int(keep.sum()), 0))
    columns = pd.RangeIndex(offsets[0], offsets[-1] + 1, name="offset")
    if not mean_by_date:
        index = pd.MultiIndex.from_arrays([fd.dates[d_idx[keep]], fd.assets[a_idx[keep]]],
                                          names=["date", "asset"])
        return pd.DataFrame(cols, index=index, columns=columns)
    dates_kept = np.unique(d_idx[keep])
    code = np.searchsorted(dates_kept, d_idx[keep])
    out = np.column_stack([group_mean(c, code, len(dates_kept)) for c in cols.T]) if len(offsets) \
        else np.empty((len(dates_kept), 0))
    return pd.DataFrame(out, index=fd.dates[dates_kept], columns=columns)


def average_cumulative_return_by_quantile(
    fd: FactorData,
    prices: pd.DataFrame | None = None,
    periods_before: int = 10,
    periods_after: int = 15,
    demeaned: bool = True,
    group_adjust: bool = False,
    by_group: bool = False,
) -> pd.DataFrame:
    """Mean and std of the cumulative returns around the factor dates, per quantile.

    Parameters
    ----------
    fd : FactorData
    prices : pd.DataFrame, shape (bars, assets), optional
        Prices; default ``fd.prices``.
    periods_before, periods_after : int
        Window in bars around the event date: offsets
        ``-periods_before .. periods_after``.
    demeaned : bool, default True
        Returns relative to the date's universe mean (long-short view).
    group_adjust : bool, default False
        Returns relative to the mean of the asset's group (group-neutral);
        without ``by_group`` the samples of all groups are pooled per quantile.
    by_group : bool, default False
        One table per group (the universe for ``demeaned`` stays the whole
        date unless ``group_adjust``).

    Returns
    -------
    pd.DataFrame, shape (2 * quantiles [* groups], offsets)
        Index (factor_quantile, 'mean'/'std'[, group]) (Alphalens' layout,
        the statistic level unnamed), columns the offsets. Values are
        fractions: the mean over dates of the quantile's per-date mean of
        ``P[t+k] / P[t] - 1`` (demeaned as asked; infinite per-date values
        dropped), and the standard deviation (ddof=1) over dates.

    Notes
    -----
    These are the semantics of the original (Quantopian) Alphalens, which took
    prices and rebased every event window to the event date. Alphalens-reloaded
    0.5.1 changed the argument to ``returns`` and calls
    ``common_start_returns(..., cumulative=True)``, which reads the given
    frame as it is at ``t+k`` without rebasing: passed daily returns it gives
    the average (non-cumulative) demeaned daily return at each offset, and
    passed prices (as its own example notebooks do) it gives demeaned price
    *levels* (means of several units, e.g. 7.18, not returns). Alphalens gives
    the same numbers under pandas 2.2.3 and pandas 3.1 (all options compared on
    50 S&P 500 stocks x 1,425 dates: equal to 1e-17 on returns, 1e-13 on price
    levels, i.e. summation order): the absurd values come from the API change
    (see alphalens-reloaded issue #8), not from pandas. The reloaded behaviour
    is available as
    :func:`factorlab.compat.alphalens.performance.average_cumulative_return_by_quantile`.
    """
    offsets = check_window(periods_before, periods_after)
    values = _price_values(fd, prices)
    need_groups = group_adjust or by_group
    if not need_groups:
        dense = dense_event_table(fd, values, offsets, demeaned)
        if dense is not None:
            mean, std, present, q_labels = dense
            return table_frame(mean, std, present, q_labels.astype(np.int64), None, offsets)
    d_idx, a_idx, q_labels, qcode, gcode, g_labels = fd_codes(fd, need_groups)
    n_groups = len(g_labels) if need_groups else 1
    fast = fast_event_table(fd, values, offsets, d_idx, a_idx, qcode, gcode, n_groups, demeaned, group_adjust,
                            by_group)
    if fast is not None:
        mean, std, present = fast
    else:
        grid = _grid_for(fd, values, d_idx, a_idx, relative=True)
        mean, std, present = event_table(grid, offsets, qcode, gcode, n_groups, demeaned, group_adjust,
                                         by_group)
    return table_frame(mean, std, present, q_labels, g_labels if by_group else None, offsets)
