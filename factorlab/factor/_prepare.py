"""prepare_factor_data: align a factor with forward returns, bin it, report losses."""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from factorlab._progress import progress as _progress
from factorlab.data._validate import check_same_timezone, factor_grid, groups_to_wide
from factorlab.errors import (
    BinningError,
    DataQualityWarning,
    DroppedDataWarning,
    EmptyDataError,
    MaxLossExceededError,
    ParameterError,
)
from factorlab.factor._forward import (
    ForwardReturns,
    check_periods,
    forward_arrays,
    parse_period_label,
    period_label,
    period_label_nanoseconds,
)
from factorlab.factor._quality import (
    DROP_REASONS,
    HORIZON_REASONS,
    DataQualityReport,
    missing_assets_hint,
    missing_dates_hint,
    stale_runs,
    true_runs,
)
from factorlab.factor._quantize import (
    QUANTILE_METHODS,
    binning_failure_causes,
    check_binning_args,
    quantize_rows,
)
from factorlab.factor._rank import rank_rows

__all__ = ["FactorData", "prepare_factor_data", "forward_return_columns"]

_PROGRESS_CELLS = 5_000_000  # panels larger than this show a progress bar by default
_PERIOD_RE = re.compile(r"^(\d+(\.\d+)?)(D|h|m|s|W|M|Y|ms|us|ns)$")


def forward_return_columns(columns: Sequence[str]) -> list[str]:
    """The forward-return columns of an Alphalens-layout frame ('1D', '5D', '4h', ...).

    Parameters
    ----------
    columns : sequence of str
        Column names, e.g. ``FactorData.frame.columns``.

    Returns
    -------
    list of str
        The names that are period labels (a number and a unit: D, h, m, s, W, M, Y, ms, us, ns; or
        Alphalens' compound labels such as '6h30m' and '1D1ns'), in order.
    """
    return [c for c in columns if isinstance(c, str) and (_PERIOD_RE.match(c) or parse_period_label(c))]


@dataclass(frozen=True, eq=False)
class FactorData:
    """A factor aligned with forward returns and binned, ready for analysis.

    The primary store is wide (dates x assets) arrays restricted to the kept
    entries (NaN elsewhere); :attr:`frame` gives the Alphalens long layout.

    Attributes
    ----------
    factor : pd.DataFrame, shape (dates, assets)
        Factor values of kept entries.
    quantile : pd.DataFrame, shape (dates, assets)
        1-based quantile (or bin) of kept entries, float with NaN elsewhere.
    returns : dict label -> pd.DataFrame, shape (dates, assets)
        Forward returns of kept entries, one frame per period label.
    group : pd.DataFrame or None, shape (dates, assets)
        Group labels of kept entries (object), when groups were given.
    periods : tuple of int
        Periods in bars, matching ``labels``.
    labels : tuple of str
        Forward-return column names.
    prices : pd.DataFrame or None
        The validated prices (None when built from a frame without prices).
    quality : DataQualityReport or None
        What was dropped and why.
    n_quantiles : int
        Number of buckets (quantiles or bins).
    """

    factor: pd.DataFrame
    quantile: pd.DataFrame
    returns: dict[str, pd.DataFrame] = field(repr=False)
    group: pd.DataFrame | None = field(repr=False)
    periods: tuple[int, ...]
    labels: tuple[str, ...]
    prices: pd.DataFrame | None = field(default=None, repr=False)
    quality: DataQualityReport | None = field(default=None, repr=False)
    n_quantiles: int = 0
    delay: int = 0
    binning_by_group: bool = False
    zero_aware: bool = False

    @property
    def dates(self) -> pd.DatetimeIndex:
        return self.factor.index

    @property
    def assets(self) -> pd.Index:
        return self.factor.columns

    @property
    def bar_label(self) -> str:
        """The label of a one-bar horizon in the data's unit ('1D', '1h', '1W', ...): the base of per-bar rates."""
        if self.prices is not None and len(self.prices.index) > 1:
            return period_label(1, self.prices.index)
        if self.labels:
            m = _PERIOD_RE.match(self.labels[0])
            return f"1{m.group(3)}" if m else self.labels[0]
        return "1D"

    @cached_property
    def mask(self) -> np.ndarray:
        """Kept entries, shape (dates, assets)."""
        return ~np.isnan(self.factor.to_numpy())

    @cached_property
    def quantile_labels(self) -> np.ndarray:
        """The quantile labels present (sorted, int), found a block of dates at a time (no
        entries-long copy of the labels)."""
        q = self.quantile.to_numpy(dtype="float64")
        step = max(1, 2**20 // max(1, q.shape[1]))
        parts = [np.unique(block[~np.isnan(block)]) for block in (q[lo:lo + step] for lo in range(0, len(q), step))]
        return np.unique(np.concatenate(parts)).astype(np.int64) if parts else np.empty(0, dtype=np.int64)

    @cached_property
    def factor_ranks(self) -> np.ndarray:
        """Average rank (1-based) of the factor within each date, shape (dates, assets), NaN outside.

        Computed once and shared by the IC and the rank autocorrelation.
        """
        return rank_rows(self.factor.to_numpy(dtype="float64"))

    @cached_property
    def frame(self) -> pd.DataFrame:
        """The Alphalens layout: (date, asset) index; forward returns, 'factor',
        ['group',] 'factor_quantile' (int) columns."""
        r, c = np.nonzero(self.mask)
        index = pd.MultiIndex(levels=[self.dates, self.assets], codes=[r, c],
                              names=["date", "asset"], verify_integrity=False)
        data = {label: self.returns[label].to_numpy()[r, c] for label in self.labels}
        data["factor"] = self.factor.to_numpy()[r, c]
        if self.group is not None:
            data["group"] = pd.Categorical(self.group.to_numpy()[r, c])
        data["factor_quantile"] = self.quantile.to_numpy()[r, c].astype(np.int64)
        return pd.DataFrame(data, index=index)

    def __repr__(self) -> str:
        return (f"FactorData({len(self.dates)} dates x {len(self.assets)} assets, "
                f"{int(self.mask.sum())} entries, periods {list(self.labels)}, "
                f"{self.n_quantiles} quantiles{', grouped' if self.group is not None else ''})")

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, prices: pd.DataFrame | None = None) -> FactorData:
        """Build FactorData from an Alphalens-layout frame.

        Parameters
        ----------
        frame : pd.DataFrame
            (date, asset) index with forward-return columns ('1D', ...),
            'factor', 'factor_quantile' and optionally 'group'.
        prices : pd.DataFrame, optional
            Prices, needed only by event studies and interleaved portfolios.
        """
        missing = [c for c in ("factor", "factor_quantile") if c not in frame.columns]
        if missing:
            raise ParameterError(f"factor data frame lacks column(s) {missing}; "
                                 "build it with prepare_factor_data or get_clean_factor_and_forward_returns")
        labels = tuple(forward_return_columns(frame.columns))
        idx = frame.index.remove_unused_levels()
        dates, assets = idx.levels[0], idx.levels[1]
        periods = tuple(_label_bars(label, dates) for label in labels)

        def wide(col: str, dtype="float64") -> pd.DataFrame:
            arr = np.full((len(dates), len(assets)), np.nan, dtype=dtype)
            arr[idx.codes[0], idx.codes[1]] = frame[col].to_numpy()
            return pd.DataFrame(arr, index=dates, columns=assets, copy=False)

        group = wide("group", dtype=object) if "group" in frame.columns else None
        if group is not None:
            group = group.where(pd.notna(group), None)
        quant = wide("factor_quantile")
        n_q = int(np.nanmax(quant.to_numpy())) if len(frame) else 0
        return cls(factor=wide("factor"), quantile=quant, returns={lab: wide(lab) for lab in labels},
                   group=group, periods=periods, labels=labels, prices=prices, n_quantiles=n_q)


def _label_bars(label: str, dates: pd.Index | None = None) -> int:
    m = _PERIOD_RE.match(label)
    return int(float(m.group(1))) if m else _compound_bars(label, dates)


def _compound_bars(label: str, dates: pd.Index | None) -> int:
    """Bars in a compound label ('6h30m', '1D1ns'): its length over the dates' median spacing, at least 1
    (1 without two dates to measure; 0 for a label that is no length of time)."""
    nanos = period_label_nanoseconds(label)
    if nanos is None:
        return 0
    if not isinstance(dates, pd.DatetimeIndex) or len(dates) < 2:
        return 1
    step = float(np.median(np.diff(dates.asi8)))
    return max(1, int(round(nanos / step))) if step > 0 else 1


def _check_prepare_args(quantiles, bins, zero_aware, max_loss, filter_zscore, binning_by_group, groupby):
    check_binning_args(quantiles, bins, zero_aware)
    if not (isinstance(max_loss, (int, float)) and 0 <= max_loss <= 1):
        raise ParameterError(f"max_loss must be a fraction in [0, 1], got {max_loss!r}")
    if filter_zscore is not None and not (isinstance(filter_zscore, (int, float)) and filter_zscore > 0):
        raise ParameterError(f"filter_zscore must be a positive number or None, got {filter_zscore!r}")
    if binning_by_group and groupby is None:
        raise ParameterError("binning_by_group=True needs groupby=")


def _n_buckets(quantiles, bins) -> int:
    spec = quantiles if quantiles is not None else bins
    return int(spec) if isinstance(spec, (int, np.integer)) else len(spec) - 1


def prepare_factor_data(
    factor: pd.Series | pd.DataFrame,
    prices: pd.DataFrame | ForwardReturns,
    periods: Sequence[int] = (1, 5, 10),
    quantiles: int | Sequence[float] | None = 5,
    bins: int | Sequence[float] | None = None,
    groupby: pd.Series | dict | None = None,
    binning_by_group: bool = False,
    zero_aware: bool = False,
    max_loss: float = 0.35,
    filter_zscore: float | None = None,
    delay: int = 0,
    stale_bars: int = 10,
    progress: bool | None = None,
    *,
    stale: str = "report",
    quantile_method: str = "qcut",
    options=None,
) -> FactorData:
    """Align a factor with forward returns, assign quantiles, and account for losses.

    Point in time (docs/concepts.md): the members of date t (ranked, bucketed
    and weighted at t) are the assets with a finite factor and a positive
    price at t; nothing after t decides them, so quantiles and weights exist
    for every factor date up to the last bar. Forward returns end at the last
    actual price at or before t+delay+N (a name that stops trading returns to
    its last price; a zero is -100% for every horizon spanning it); a horizon
    is missing only past the end of the data, and each horizon's statistics
    use every date where it exists, whatever other periods are asked for.

    Parameters
    ----------
    factor : pd.Series with (date, asset) MultiIndex, or pd.DataFrame (dates x assets)
        Factor value known at date t, tradeable at the price of bar t (+ delay).
    prices : pd.DataFrame (bars x assets) or ForwardReturns
        Adjusted prices, or forward returns computed once by
        :func:`forward_returns` (then ``periods`` must be among those it was
        computed with, and ``delay``, ``stale`` and ``stale_bars`` equal).
    periods : sequence of int
        Forward-return horizons in bars.
    quantiles, bins : int or sequence
        Exactly one: equal-count quantiles (or quantile edges in [0, 1]) or
        equal-width bins (or bin edges).
    groupby : dict or pd.Series (asset -> group) or (date, asset) Series, optional
        Group (e.g. sector) of each asset.
    binning_by_group : bool
        Compute quantiles within each group.
    zero_aware : bool
        Quantiles separately for factor >= 0 and < 0.
    max_loss : float
        Largest fraction of input entries that may be dropped (0.35 = 35%);
        more raises :class:`MaxLossExceededError`. With 0, a date whose
        binning fails raises :class:`BinningError`.
    filter_zscore : float, optional
        Remove forward returns more than this many standard deviations from
        the asset's mean (Alphalens' outlier filter; off by default). The
        entry stays a member; only that horizon's return is missing.
    delay : int
        Execution delay in bars (forward returns from P[t+delay]).
    stale_bars : int
        Runs of at least this many bars with an unchanged price are stale.
    progress : bool, optional
        Show a progress bar over the periods (a widget in notebooks, text in
        terminals). None: only for large panels (over 5 million cells) and
        unless bars are off (``fl.set_progress(False)``, ``FACTORLAB_PROGRESS=0``).
    stale : {'report', 'drop'}, default 'report'
        'report' keeps stale prices and reports their runs; 'drop' treats a
        price unchanged for ``stale_bars`` bars up to t as no price (as after
        a delisting in vendor files padded with the last price), counted as
        ``stale_price`` (reported, but not counted toward ``max_loss``: it was asked for).
    quantile_method : {'qcut', 'rank'}, default 'qcut'
        'qcut' gives ``pd.qcut``'s buckets exactly (Alphalens); 'rank' buckets
        by average rank so tied values share a bucket and no date fails on ties.

    Returns
    -------
    FactorData
        Its ``quality`` attribute lists dropped entries per reason and the
        kept entries without a return per horizon; a
        :class:`DroppedDataWarning` says the same when anything was dropped
        and a :class:`DataQualityWarning` flags stale runs and zero prices.

    Notes
    -----
    ``options=FactorOptions(...)`` gives ``periods``, ``quantiles``, ``bins``,
    ``max_loss``, ``delay``, ``stale``, ``stale_bars`` and ``quantile_method``
    as the tear sheet, the screen and :class:`FactorStrategy` read them; a
    keyword given beside it with a value other than its default overrides it.
    """
    if options is not None:
        from factorlab.factor._options import FactorOptions

        if not isinstance(options, FactorOptions):
            raise ParameterError(f"options must be a FactorOptions, got {type(options).__name__}")
        given = {"periods": periods, "quantiles": quantiles, "bins": bins, "max_loss": max_loss, "delay": delay,
                 "stale": stale, "stale_bars": stale_bars, "quantile_method": quantile_method}
        defaults = {"periods": (1, 5, 10), "quantiles": 5, "bins": None, "max_loss": 0.35, "delay": 0,
                    "stale": "report", "stale_bars": 10, "quantile_method": "qcut"}
        merged = {k: (options.prepare_kwargs[k] if _same(v, defaults[k]) else v) for k, v in given.items()}
        periods, quantiles, bins, max_loss, delay, stale, stale_bars, quantile_method = merged.values()
    return _prepare(factor, prices, periods, quantiles, bins, groupby, binning_by_group, zero_aware, max_loss,
                    filter_zscore, delay, stale_bars, progress, stale, quantile_method, alphalens=False)


def _same(value, default) -> bool:
    """Whether a keyword was left at its default (sequences compared as tuples)."""
    if isinstance(value, (list, tuple)) and isinstance(default, tuple):
        return tuple(value) == default
    return value is default or (type(value) is type(default) and value == default)


def _prepare(factor, prices, periods, quantiles, bins, groupby, binning_by_group, zero_aware, max_loss,
             filter_zscore, delay, stale_bars, progress, stale, quantile_method, *, alphalens: bool
             ) -> FactorData:
    """prepare_factor_data under the point-in-time rule, or Alphalens' (``alphalens=True``: returns
    on forward-filled prices, an entry dropped from every horizon when any return is missing)."""
    _check_prepare_args(quantiles, bins, zero_aware, max_loss, filter_zscore, binning_by_group, groupby)
    if quantile_method not in QUANTILE_METHODS:
        raise ParameterError(f"quantile_method must be one of {QUANTILE_METHODS}, got {quantile_method!r}")
    if quantile_method == "rank" and quantiles is None:
        raise ParameterError("quantile_method='rank' applies to quantiles=, not bins=")
    if isinstance(prices, ForwardReturns):
        fwd = prices
        want = check_periods(periods)
        if not set(want) <= set(fwd.periods) or fwd.delay != delay:
            raise ParameterError(
                f"the ForwardReturns given were computed for periods {fwd.periods} with delay {fwd.delay}; "
                f"asked for periods {want} with delay {delay}")
        if fwd.stale != stale or (stale == "drop" and fwd.stale_bars != stale_bars):
            raise ParameterError(
                f"the ForwardReturns given were computed with stale={fwd.stale!r}, stale_bars={fwd.stale_bars}; "
                f"asked for stale={stale!r}, stale_bars={stale_bars}: compute them with the same settings")
        labels = tuple(lab for p, lab in zip(fwd.periods, fwd.labels) if p in want)
        periods = want
        raw = {lab: fwd.returns[lab].to_numpy() for lab in labels}
        zero_start, stale_mask = fwd.zero_start, fwd.stale_mask
        owned = False
    else:
        px, periods, labels, raw, zero_start, stale_mask = forward_arrays(
            prices, periods, delay, stale=stale, stale_bars=stale_bars,
            rule="alphalens" if alphalens else "point_in_time")
        fwd = ForwardReturns(prices=px, periods=periods, labels=labels, delay=int(delay), returns={},
                             zero_start=zero_start, stale=stale, stale_bars=int(stale_bars), stale_mask=stale_mask)
        owned = True  # returns computed here are private and writable: masked in place below, not copied
    px = fwd.prices
    wide, present, n_entries = factor_grid(factor)
    if not np.isfinite(wide.to_numpy()).any():
        name = f" {factor.name!r}" if isinstance(factor, pd.Series) and factor.name is not None else ""
        raise EmptyDataError(f"the factor{name} has no finite value: all {present.size:,} cells of its "
                             f"{wide.shape[0]} dates x {wide.shape[1]} assets grid are NaN or infinite; "
                             "check how it was computed (a window longer than the data, a failed merge)")
    check_same_timezone(wide.index, px.index, "factor", "prices")

    counts = dict.fromkeys(DROP_REASONS, 0)
    in_dates = wide.index.isin(px.index)
    in_assets = wide.columns.isin(px.columns)
    if not in_dates.all():
        counts["date_not_in_prices"] = int(np.count_nonzero(present[~in_dates]))
    if not in_assets.all():
        counts["asset_not_in_prices"] = int(np.count_nonzero(present[in_dates][:, ~in_assets]))
    dates, assets = wide.index[in_dates], wide.columns[in_assets]
    fsub = (_selector(np.flatnonzero(in_dates)), _selector(np.flatnonzero(in_assets)))
    fvals = _take(wide.to_numpy(), *fsub)
    alive = _take(present, *fsub).copy()

    def drop(reason: str, bad: np.ndarray) -> None:
        hit = alive & bad
        counts[reason] += int(np.count_nonzero(hit))
        np.logical_xor(alive, hit, out=alive)  # hit is inside alive: clears the hit cells

    drop("non_finite_factor", ~np.isfinite(fvals))
    gvals = None
    if groupby is not None:
        gwide = groups_to_wide(groupby, dates, assets)
        gvals = gwide.to_numpy(dtype=object)
        drop("no_group", pd.isna(gwide).to_numpy())

    rows = px.index.get_indexer(dates)
    cols = px.columns.get_indexer(assets)
    psub = (_selector(rows), _selector(cols))
    n_bars = len(px.index)
    pvals = _take(px.to_numpy(), slice(None), psub[1])
    if not alphalens:
        # membership at t: a finite factor and a positive price at t, nothing later
        p_t = _take(px.to_numpy(), *psub)
        if stale_mask is not None:
            drop("stale_price", _take(stale_mask, *psub))
        drop("missing_price", np.isnan(p_t))
        drop("zero_price", p_t == 0)
    rets = {}
    holes = {}
    # None lets the global switch decide; small panels stay quiet unless asked
    show = progress if progress is not None else (None if fvals.size > _PROGRESS_CELLS else False)
    for p, label in _progress(list(zip(periods, labels)), desc="prepare_factor_data", unit="period",
                              enabled=show):
        r = _take(raw[label], *psub)
        if not owned:
            r = r.copy()
        horizon = np.broadcast_to((rows + fwd.delay + p >= n_bars)[:, None], r.shape)
        zero = _take(zero_start[label], *psub)
        if alphalens:
            drop("forward_horizon", horizon)
            drop("missing_price", np.isnan(r) & ~zero)
            drop("zero_price", zero)
        outliers = np.zeros(r.shape, dtype=bool)
        if filter_zscore is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                mean = np.nanmean(r, axis=0)
                std = np.nanstd(r, axis=0, ddof=1)
            with np.errstate(invalid="ignore"):
                outliers = np.abs(r - mean) > filter_zscore * std
            if alphalens:
                drop("zscore_outlier", outliers)
            np.putmask(r, outliers, np.nan)
        rets[label] = r
        holes[label] = (horizon, outliers)

    x = np.where(alive, fvals, np.nan)
    labels_q, failed = _bin(x, gvals, quantiles, bins, zero_aware, binning_by_group, quantile_method)
    has_entries = alive.any(axis=1)
    failed_rows = failed & has_entries
    failed_dates = dates[failed_rows]
    causes = binning_failure_causes(x, failed_rows, _n_buckets(quantiles, bins))
    drop("binning", np.isnan(labels_q))

    horizon_missing = pd.DataFrame(0, index=pd.Index(labels, name="period"), columns=list(HORIZON_REASONS),
                                   dtype=np.int64)
    if not alphalens:
        for label in labels:
            horizon, outliers = holes[label]
            past = alive & horizon
            no_exec = alive & ~horizon & ~outliers & np.isnan(rets[label])
            horizon_missing.loc[label] = [int(past.sum()), int(no_exec.sum()), int((alive & outliers).sum())]

    n_kept = int(alive.sum())
    zero_rows, zero_cols = np.nonzero(pvals == 0)
    first_zero = pd.DataFrame({"asset": assets[zero_cols], "date": px.index[zero_rows]}).drop_duplicates("asset")
    stale_px = px if px.columns.equals(assets) else px[assets]
    quality = DataQualityReport(
        n_entries=n_entries, n_kept=n_kept, dropped=pd.Series(counts, dtype=np.int64),
        binning_failed_dates=pd.DatetimeIndex(failed_dates),
        stale=stale_runs(stale_px, stale_bars) if stale == "report" else _stale_runs_before_drop(fwd, assets),
        zero_prices=first_zero.reset_index(drop=True), max_loss=float(max_loss),
        horizon_missing=horizon_missing, binning_causes=causes,
        dates_hint=(missing_dates_hint(wide.index[present.any(axis=1)], px.index)
                    if counts["date_not_in_prices"] else ""),
        assets_hint=(missing_assets_hint(wide.columns[present.any(axis=0)], px.columns)
                     if counts["asset_not_in_prices"] else ""))
    if max_loss == 0 and len(failed_dates):
        raise BinningError(f"could not assign {quantiles or bins} quantiles/bins: {quality.binning_message()}; "
                           "or allow losses with max_loss > 0")
    if n_entries and quality.counted_loss > max_loss:
        raise MaxLossExceededError(
            f"max_loss ({max_loss:.1%}) exceeded: {quality.message()}; see DROP_REASONS, "
            "fix the inputs or raise max_loss")
    if n_entries and n_kept == 0:
        raise MaxLossExceededError(f"no factor entry is left: {quality.message()}")
    if n_entries - n_kept:
        warnings.warn(quality.message(), DroppedDataWarning, stacklevel=3)
    if len(quality.stale) or len(quality.zero_prices):
        warnings.warn("price data quality: " + str(quality).split("\n", 1)[-1], DataQualityWarning, stacklevel=3)
    return _build(x, labels_q, rets, gvals, alive, dates, assets, periods, labels, px, quality,
                  _n_buckets(quantiles, bins), delay, binning_by_group, zero_aware, owned_returns=True)


def _stale_runs_before_drop(fwd: ForwardReturns, assets: pd.Index) -> pd.DataFrame:
    """The stale runs that stale='drop' removed: one row per asset and run of dropped bars."""
    cols = ["asset", "start", "end", "bars"]
    if fwd.stale_mask is None or not fwd.stale_mask.any():
        return pd.DataFrame(columns=cols)
    mask = pd.DataFrame(fwd.stale_mask, index=fwd.prices.index, columns=fwd.prices.columns)[assets]
    asset_pos, bar0, lengths = true_runs(mask.to_numpy())
    return pd.DataFrame({"asset": mask.columns[asset_pos], "start": mask.index[bar0],
                         "end": mask.index[bar0 + lengths - 1], "bars": lengths.astype(np.int64)}, columns=cols)


def _bin(x, gvals, quantiles, bins, zero_aware, by_group, method="qcut"):
    if not by_group:
        return quantize_rows(x, quantiles=quantiles, bins=bins, zero_aware=zero_aware, method=method)
    labels = np.full(x.shape, np.nan)
    failed = np.zeros(x.shape[0], dtype=bool)
    valid = ~np.isnan(x)
    for g in pd.unique(gvals[valid]):
        in_g = valid & (gvals == g)
        lab, fail = quantize_rows(np.where(in_g, x, np.nan), quantiles=quantiles, bins=bins,
                                  zero_aware=zero_aware, method=method)
        labels = np.where(in_g, lab, labels)
        failed |= fail & in_g.any(axis=1)
    return labels, failed


def _selector(idx: np.ndarray) -> slice | np.ndarray:
    """A slice for consecutive increasing indices (numpy then gives views), else the indices."""
    if len(idx) == 0:
        return slice(0, 0)
    lo = int(idx[0])
    if idx[-1] - lo == len(idx) - 1 and np.array_equal(idx, np.arange(lo, lo + len(idx))):
        return slice(lo, lo + len(idx))
    return idx


def _take(arr: np.ndarray, rows: slice | np.ndarray, cols: slice | np.ndarray) -> np.ndarray:
    """``arr[rows][:, cols]``: a view when both are slices, else one copy."""
    if isinstance(rows, slice) or isinstance(cols, slice):
        return arr[rows][:, cols]
    return arr[np.ix_(rows, cols)]


def _build(x, labels_q, rets, gvals, alive, dates, assets, periods, labels, px, quality,
           n_q, delay, by_group, zero_aware, owned_returns=False) -> FactorData:
    keep_rows = np.flatnonzero(alive.any(axis=1))
    keep_cols = np.flatnonzero(alive.any(axis=0))
    sub = (_selector(keep_rows), _selector(keep_cols))
    d = pd.DatetimeIndex(dates[keep_rows], name="date")
    a = pd.Index(assets[keep_cols], name="asset")
    m = _take(alive, *sub)

    def frame(arr, dtype="float64", owned=False):
        # the kept cells, NaN (None) elsewhere: masked in place in arrays made here (no new
        # whole-panel array), else one copy; pandas 3 would copy again without copy=False
        if owned:
            out = _take(arr, *sub)
            np.putmask(out, ~m, np.nan)
        else:
            out = np.where(m, _take(arr, *sub), np.nan if dtype == "float64" else None)
        return pd.DataFrame(out, index=d, columns=a, dtype=dtype, copy=False)

    return FactorData(
        factor=frame(x, owned=True), quantile=frame(labels_q, owned=True),
        returns={lab: frame(rets[lab], owned=owned_returns) for lab in labels},
        group=None if gvals is None else frame(gvals, dtype=object),
        periods=tuple(periods), labels=tuple(labels), prices=px, quality=quality,
        n_quantiles=n_q, delay=int(delay), binning_by_group=by_group, zero_aware=zero_aware)
