"""Information coefficient: the rank correlation of a factor with forward returns.

Everything is computed on the wide (dates x assets) arrays of a
:class:`~factorlab.factor.FactorData`: a date is a row, ranks are taken along
rows and the Pearson correlation of the ranks (Spearman's rho) is a row-wise
vector operation. Groups are handled by a loop over the (few) group labels,
never over dates or assets.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from factorlab.errors import LookAheadWarning, ParameterError
from factorlab.factor._blocks import blockwise
from factorlab.factor._inference import hac_mean_test
from factorlab.factor._prepare import FactorData
from factorlab.factor._rank import rank_rows, row_order, sorted_ranks

__all__ = [
    "LOOK_AHEAD_IC",
    "check_look_ahead",
    "information_coefficient",
    "mean_information_coefficient",
    "ic_summary",
    "ic_by_group",
    "mean_monthly_ic",
]

IC_SUMMARY_COLUMNS = ("IC Mean", "IC Std.", "Risk-Adjusted IC", "t-stat(IC)", "p-value(IC)",
                      "HAC t-stat(IC)", "HAC p-value(IC)", "HAC 95% CI low", "HAC 95% CI high", "HAC lags",
                      "IC Skew", "IC Kurtosis")

# Offset aliases removed in pandas 3 (and deprecated in 2.2) -> their new names.
_OLD_ALIASES = {"M": "ME", "BM": "BME", "SM": "SME", "CBM": "CBME", "Q": "QE", "BQ": "BQE",
                "A": "YE", "Y": "YE", "BA": "BYE", "BY": "BYE", "H": "h", "T": "min", "S": "s",
                "L": "ms", "U": "us", "N": "ns"}


#: A mean 1-bar rank IC above this is taken as a sign of look-ahead: the best real factors reach a few
#: hundredths; a factor built from the next bar's return reaches 1.0.
LOOK_AHEAD_IC = 0.5
#: Dates with a 1-bar IC needed before the check speaks (one or two dates can correlate perfectly by chance).
LOOK_AHEAD_MIN_DATES = 10


def check_look_ahead(ic: pd.DataFrame, periods: Sequence[int], threshold: float = LOOK_AHEAD_IC) -> float | None:
    """Warn (:class:`LookAheadWarning`) for every horizon whose mean IC exceeds ``threshold``.

    A horizon is checked when it has at least :data:`LOOK_AHEAD_MIN_DATES` (10) dates with an IC: a
    factor built from the next N bars' return has an IC of 1 at N bars, whichever N is asked.

    Parameters
    ----------
    ic : pd.DataFrame, shape (dates, periods)
        Per-date IC, one column per period label (as :func:`information_coefficient`).
    periods : sequence of int
        The horizons in bars of the columns, in order.
    threshold : float, default :data:`LOOK_AHEAD_IC` (0.5)

    Returns
    -------
    float or None
        The largest mean IC among the checked horizons, or None when none could be checked.
    """
    worst = None
    for col, p in zip(ic.columns, periods):
        if ic[col].notna().sum() < LOOK_AHEAD_MIN_DATES:
            continue
        mean = float(ic[col].mean())
        worst = mean if worst is None else max(worst, mean)
        if mean > threshold:
            warnings.warn(f"suspected look-ahead: the factor's mean IC at {col} ({int(p)} bars) is {mean:.3f} "
                          f"(over {threshold}): no real factor predicts returns this well; it may use future "
                          "data (a return or price after the date it is dated; shift it so the value at t "
                          "uses data up to t only)", LookAheadWarning, stacklevel=3)
    return worst


# --------------------------------------------------------------------------- helpers
def group_codes(fd: FactorData) -> tuple[np.ndarray, pd.Index]:
    """Integer group code of every cell, and the sorted group labels.

    Returns
    -------
    codes : ndarray of int, shape (dates, assets)
        Index into ``labels``; -1 where there is no group (not kept).
    labels : pd.Index, shape (groups,)
        Sorted unique group labels, named 'group'.
    """
    if fd.group is None:
        raise ParameterError("this option needs groups: prepare the factor with groupby= "
                             "(or a frame with a 'group' column)")
    values = fd.group.to_numpy(dtype=object)
    flat = np.where(fd.mask, values, None).ravel()
    codes, uniques = pd.factorize(flat, sort=True)
    return codes.reshape(values.shape), pd.Index(uniques, name="group")


def demean_rows(r: np.ndarray, codes: np.ndarray | None = None, n_groups: int = 0) -> np.ndarray:
    """Subtract the per-row (or per-row-and-group) mean of the non-NaN entries.

    Parameters
    ----------
    r : ndarray, shape (dates, assets)
        Values (e.g. forward returns), NaN = absent.
    codes : ndarray of int, shape (dates, assets), optional
        Group codes (-1 = none); demean within each (row, group) cell.
    n_groups : int
        Number of groups in ``codes``.

    Returns
    -------
    ndarray, shape (dates, assets)
        Demeaned copy; NaN stays NaN (also where the code is -1 with groups).
    """
    valid = ~np.isnan(r)
    if codes is None:
        count = valid.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return r - np.where(valid, r, 0.0).sum(axis=1, keepdims=True) / count
    out = np.full(r.shape, np.nan)
    for g in range(n_groups):
        in_g = valid & (codes == g)
        count = in_g.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(in_g, r, 0.0).sum(axis=1, keepdims=True) / count
        out = np.where(in_g, r - mean, out)
    return out


class SortedReturns:
    """Each row's forward returns in ascending order, over every asset that has one: computed once and
    shared by the factors of a screen (a factor ranking every such asset on a date reads its returns'
    order and ranks from here instead of sorting them again).

    Attributes
    ----------
    columns : ndarray of int16 or int32, shape (bars, assets)
        Column of the return at each sorted position (positions past the row's count: no return).
    ranks : ndarray of float32, shape (bars, assets)
        Average rank (1-based) at each sorted position: multiples of 1/2, exact in float32 below 2**23.
    valid : ndarray of bool, shape (bars, assets)
        Where a return exists.
    """

    def __init__(self, returns: np.ndarray) -> None:
        r = np.asarray(returns, dtype="float64")
        self.valid = ~np.isnan(r)
        self.columns, self.ranks = _sorted_rows(r, self.valid)


@blockwise(small=True)
def _sorted_rows(r: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column at each sorted position of each row (int16, int32 from 32,768 columns) and the average
    rank there (float32), the non-NaN values first."""
    flat, s = row_order(r, ~valid)
    dtype = np.int16 if r.shape[1] < 2**15 else np.int32
    return (flat % r.shape[1]).astype(dtype), sorted_ranks(s, valid.sum(axis=1)).astype(np.float32)


@blockwise(small=True)
def _row_spearman(x: np.ndarray, y: np.ndarray, mask: np.ndarray, rx: np.ndarray | None = None,
                  order_columns: np.ndarray | None = None, order_ranks: np.ndarray | None = None,
                  order_valid: np.ndarray | None = None) -> np.ndarray:
    """Spearman's rho of ``x`` and ``y`` along each row, over the ``mask`` cells where ``y`` is not NaN.

    Average ranks for ties; NaN for rows with fewer than two valid pairs or
    with a constant rank vector (all-equal factor or returns). ``rx`` may give
    the ranks of ``x`` over the ``mask`` cells (NaN or anything elsewhere),
    computed beforehand; it is used on the rows where ``y`` has no NaN inside
    ``mask`` (other rows are ranked again). ``order_*`` (the rows of a
    :class:`SortedReturns` of these returns, same columns) give ``y``'s sorted
    order and ranks on the rows whose valid cells are all of its returns.

    The sums are taken as ``sum(rx * ry) - n * mid**2`` (``mid = (n + 1) / 2``,
    the mean rank whatever the ties): ranks are multiples of 1/2, so every
    product and partial sum is exact in float64 and only the final division
    rounds.
    """
    valid = mask & ~np.isnan(y)
    if rx is None:
        rx = rank_rows(np.where(valid, x, np.nan), fill=0.0)
    else:
        rx = np.where(valid, rx, 0.0)
        # rows where y drops some mask cells (but not all): rank x again over the valid cells
        redo = np.flatnonzero((valid != mask).any(axis=1) & valid.any(axis=1))
        if len(redo):
            rx[redo] = rank_rows(np.where(valid[redo], x[redo], np.nan), fill=0.0)
    # y is ranked in its sorted order: x's ranks are gathered into that order (no scatter back)
    n = valid.sum(axis=1)
    own = slice(None)  # the rows whose returns are sorted here: all, or those the shared order does not fit
    if order_valid is not None:
        shared = (valid == order_valid).all(axis=1)
        if shared.any():  # the sums below are of exact half-integer products: any order of ties gives them
            ry = order_ranks.astype("float64")
            rx_in_y_order = np.take_along_axis(rx, order_columns.astype(np.intp), axis=1)
            own = np.flatnonzero(~shared)
    if not isinstance(own, np.ndarray) or len(own):
        v = valid[own]
        flat, s = row_order(np.where(v, y[own], np.nan), ~v)
        if isinstance(own, np.ndarray):
            ry[own], rx_in_y_order[own] = sorted_ranks(s, n[own]), np.take(rx[own], flat)
        else:
            ry, rx_in_y_order = sorted_ranks(s, n), np.take(rx, flat)
    ry *= np.arange(y.shape[1])[None, :] < n[:, None]  # positions after the n-th are not values
    centre = n * ((n + 1) / 2.0) ** 2
    sxy = np.einsum("ij,ij->i", rx_in_y_order, ry) - centre
    sxx = np.einsum("ij,ij->i", rx, rx) - centre
    syy = np.einsum("ij,ij->i", ry, ry) - centre
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = sxy / np.sqrt(sxx * syy)
    rho[(n < 2) | (sxx == 0) | (syy == 0)] = np.nan
    return np.clip(rho, -1.0, 1.0)


def _adjusted_returns(fd: FactorData, label: str, group_adjust: bool, codes, n_groups) -> np.ndarray:
    r = fd.returns[label].to_numpy(dtype="float64")
    if not group_adjust:
        return r  # the IC only reads the mask cells
    return demean_rows(np.where(fd.mask, r, np.nan), codes, n_groups)


def time_rule(by_time) -> pd.offsets.BaseOffset:
    """A pandas offset from a time rule, accepting pre-pandas-3 aliases ('M', 'Y', 'Q', ...)."""
    if isinstance(by_time, pd.offsets.BaseOffset):
        return by_time
    if not isinstance(by_time, str):
        raise ParameterError(f"by_time must be a pandas offset or alias such as 'ME', 'YE', 'W', got {by_time!r}")
    head = by_time.lstrip("0123456789")
    number = by_time[: len(by_time) - len(head)]
    base, _, suffix = head.partition("-")
    if base in _OLD_ALIASES:  # translate first: pandas 2.2 warns on the old names, pandas 3 rejects them
        by_time = number + _OLD_ALIASES[base] + ("-" + suffix if suffix else "")
    try:
        return to_offset(by_time)
    except ValueError:
        pass
    raise ParameterError(f"by_time {by_time!r} is not a pandas offset alias; use e.g. 'ME' (or 'M') "
                         "for months, 'QE' (or 'Q') for quarters, 'YE' (or 'Y') for years, 'W' for weeks")


# --------------------------------------------------------------------------- public
def information_coefficient(fd: FactorData, group_adjust: bool = False, by_group: bool = False) -> pd.DataFrame:
    """Spearman rank information coefficient per date (and group).

    Parameters
    ----------
    fd : FactorData
        Factor aligned with forward returns.
    group_adjust : bool, default False
        Subtract the (date, group) mean from the forward returns first
        (Alphalens' ``group_adjust``); needs groups.
    by_group : bool, default False
        One IC per (date, group), ranking within the group; needs groups.

    Returns
    -------
    pd.DataFrame
        Index 'date' (dates,) or, with ``by_group``, a ('date', 'group')
        MultiIndex of the (date, group) pairs that have entries, sorted;
        columns = period labels ('1D', ...); values in [-1, 1].
        NaN where fewer than two assets are present or where the factor (or
        the returns) has a single rank on that date, e.g. all factor values
        equal (as ``scipy.stats.spearmanr`` gives for constant input).
        Equals Alphalens' ``factor_information_coefficient`` (up to rounding);
        a NaN forward return only drops that pair (Alphalens would give NaN,
        its cleaned frames never contain one).

    Warns
    -----
    LookAheadWarning
        The mean 1-bar IC exceeds :data:`LOOK_AHEAD_IC` (0.5): the factor
        may use future data (:func:`check_look_ahead`).
    """
    return _information_coefficient(fd, group_adjust, by_group)


def _order_rows(order: SortedReturns, fd: FactorData, index: pd.Index, columns: pd.Index):
    """The rows of ``order`` (on the ``index`` x ``columns`` grid) at ``fd``'s dates, or None when ``fd``'s
    assets are not exactly those columns."""
    if not fd.assets.equals(columns):
        return None
    rows = index.get_indexer(fd.dates)
    if (rows < 0).any():
        return None
    if len(rows) and np.array_equal(rows, np.arange(rows[0], rows[0] + len(rows))):
        pick = slice(int(rows[0]), int(rows[0]) + len(rows))  # a view
        return order.columns[pick], order.ranks[pick], order.valid[pick]
    return order.columns[rows], order.ranks[rows], order.valid[rows]


def _information_coefficient(fd: FactorData, group_adjust: bool = False, by_group: bool = False,
                             orders: dict | None = None, index: pd.Index | None = None,
                             columns: pd.Index | None = None) -> pd.DataFrame:
    """:func:`information_coefficient`; ``orders`` (label -> :class:`SortedReturns` of the forward
    returns on the ``index`` x ``columns`` grid) give the returns' order where the factor ranks every
    asset with a return: the same numbers, bit for bit (sums of exact half-integer products)."""
    codes, groups = (group_codes(fd) if (group_adjust or by_group) else (None, None))
    n_groups = 0 if groups is None else len(groups)
    x = fd.factor.to_numpy(dtype="float64")
    labels = list(fd.labels)
    if not by_group:
        data = {}
        for label in labels:
            r = _adjusted_returns(fd, label, group_adjust, codes, n_groups)
            shared = None
            if orders is not None and not group_adjust and label in orders:
                shared = _order_rows(orders[label], fd, index, columns)
            data[label] = _row_spearman(x, r, fd.mask, fd.factor_ranks, *(shared or ()))
        ic = pd.DataFrame(data, index=fd.dates.rename("date"), columns=pd.Index(labels))
        check_look_ahead(ic, fd.periods)
        return ic
    present = np.stack([(fd.mask & (codes == g)).any(axis=1) for g in range(n_groups)], axis=1)
    rows, cols = np.nonzero(present)  # row-major: sorted by date, then group
    data = {}
    for label in labels:
        r = _adjusted_returns(fd, label, group_adjust, codes, n_groups)
        per_group = np.stack([_row_spearman(x, r, (codes == g) & ~np.isnan(r)) for g in range(n_groups)],
                             axis=1)
        data[label] = per_group[rows, cols]
    index = pd.MultiIndex.from_arrays([fd.dates[rows].rename("date"), groups[cols]], names=["date", "group"])
    return pd.DataFrame(data, index=index, columns=pd.Index(labels))


def mean_ic_table(ic: pd.DataFrame, by_group: bool = False, by_time=None) -> pd.DataFrame | pd.Series:
    """Average an IC table over all dates, per time bucket and/or per group.

    Parameters
    ----------
    ic : pd.DataFrame
        Output of :func:`information_coefficient` (with a 'group' level when
        ``by_group``).
    by_group : bool
        Mean per group.
    by_time : str or DateOffset, optional
        Mean per time bucket ('ME'/'M' month, 'YE'/'Y' year, 'W', ...);
        buckets are labelled by their end and empty ones give NaN rows.

    Returns
    -------
    pd.Series (labels,) when neither option is set, else pd.DataFrame.
    """
    grouper = []
    if by_time is not None:
        grouper.append(pd.Grouper(freq=time_rule(by_time)))
    if by_group:
        grouper.append("group")
    if not grouper:
        return ic.mean()
    return ic.reset_index().set_index("date").groupby(grouper, observed=False).mean()


def mean_information_coefficient(fd: FactorData, group_adjust: bool = False, by_group: bool = False,
                                 by_time=None) -> pd.DataFrame | pd.Series:
    """Mean information coefficient, overall, per group and/or per time bucket.

    Parameters
    ----------
    fd : FactorData
    group_adjust, by_group : bool
        As in :func:`information_coefficient`.
    by_time : str or DateOffset, optional
        Time bucket: 'ME' (or the pre-pandas-3 'M') for months, 'YE' (or
        'Y') for years, 'QE'/'Q', 'W', or any pandas offset.

    Returns
    -------
    pd.Series indexed by period label (no options), or pd.DataFrame indexed
    by 'group', by bucket end 'date', or by ('date', 'group'); columns =
    period labels. Same as Alphalens' ``mean_information_coefficient``.
    """
    rule = None if by_time is None else time_rule(by_time)  # validate before the work
    return mean_ic_table(information_coefficient(fd, group_adjust, by_group), by_group, rule)


def ic_by_group(fd: FactorData, group_adjust: bool = False) -> pd.DataFrame:
    """Mean IC of each group, ranking within the group.

    Parameters
    ----------
    fd : FactorData
        Prepared with groups (``groupby=``).
    group_adjust : bool, default False
        Demean forward returns within (date, group) first.

    Returns
    -------
    pd.DataFrame, shape (groups, labels)
        Index 'group'; NaN for a group whose every date has fewer than two
        assets.
    """
    return mean_information_coefficient(fd, group_adjust=group_adjust, by_group=True)


def mean_monthly_ic(ic: pd.DataFrame) -> pd.DataFrame:
    """Mean IC per calendar month (for the monthly IC heatmap).

    Parameters
    ----------
    ic : pd.DataFrame, shape (dates, labels)
        Output of :func:`information_coefficient` (without ``by_group``).

    Returns
    -------
    pd.DataFrame, shape (months, labels)
        Index = month-end timestamps named 'date', every month between the
        first and the last date (NaN for a month without IC values).
    """
    return mean_ic_table(ic, by_time="ME")


def ic_summary(ic: pd.DataFrame | pd.Series, *, periods: Sequence[int] | None = None,
               lags: int | Sequence[int] | None = None) -> pd.DataFrame:
    """The 'Information Analysis' table of the Alphalens tear sheet, with Newey-West (HAC) inference.

    Parameters
    ----------
    ic : pd.DataFrame (dates, labels) or pd.Series (dates,)
        Information coefficients; NaN days are ignored.
    periods : sequence of int, optional
        Horizon in bars of each column, for the HAC lag rule. By default
        read from the labels ('5D' with daily bars is 5; '4h' with hourly
        bars 4), the bar length from the IC's date index.
    lags : int or sequence of int, optional
        Newey-West lags instead of the rule (see :func:`factorlab.factor.hac_lags`).

    Returns
    -------
    pd.DataFrame, shape (labels, 12)
        Index = the IC columns. Columns 'IC Mean', 'IC Std.' (ddof=1),
        'Risk-Adjusted IC' (mean / std), 't-stat(IC)' and 'p-value(IC)': the
        naive two-sided one-sample t-test against 0 that treats the dates as
        independent (Alphalens'; it overstates significance for horizons
        longer than one bar, whose returns overlap), then 'HAC t-stat(IC)',
        'HAC p-value(IC)', 'HAC 95% CI low', 'HAC 95% CI high' and 'HAC lags'
        (Newey-West standard errors with the lags used, as statsmodels' OLS
        with ``cov_type="HAC"``), 'IC Skew' (biased sample skewness) and
        'IC Kurtosis' (biased excess kurtosis), as ``scipy.stats`` computes
        them. NaN with fewer than 2 values.
    """
    from scipy import stats  # scipy.stats is slow to import: only when a summary is asked for

    frame = ic.to_frame() if isinstance(ic, pd.Series) else ic
    if periods is None:
        periods = _horizon_bars(frame)
    elif len(periods) != frame.shape[1]:
        raise ParameterError(f"periods needs one horizon per IC column ({frame.shape[1]}), got {periods!r}")
    hac = hac_mean_test(frame, horizons=list(periods), lags=lags)
    mean, std = frame.mean(), frame.std()
    rows = []
    for column in frame.columns:
        clean = frame[column].dropna().to_numpy(dtype="float64")
        t, p = stats.ttest_1samp(clean, 0.0) if len(clean) >= 2 else (np.nan, np.nan)
        skew = stats.skew(clean) if len(clean) else np.nan
        kurt = stats.kurtosis(clean) if len(clean) else np.nan
        with np.errstate(invalid="ignore", divide="ignore"):
            risk_adjusted = np.float64(mean[column]) / np.float64(std[column])
        h = hac.loc[column]
        rows.append((mean[column], std[column], risk_adjusted, t, p, h["HAC t-stat"], h["HAC p-value"],
                     h["HAC 95% CI low"], h["HAC 95% CI high"], h["HAC lags"], skew, kurt))
    out = pd.DataFrame(rows, index=frame.columns, columns=list(IC_SUMMARY_COLUMNS), dtype="float64")
    out["HAC lags"] = out["HAC lags"].astype(np.int64)
    return out


def _horizon_bars(frame: pd.DataFrame) -> list[int]:
    """Bars of each period-label column of an IC frame, the bar length from its date index."""
    from factorlab.factor._forward import period_label
    from factorlab.factor._returns import _label_ratio

    index = frame.index.get_level_values(0) if isinstance(frame.index, pd.MultiIndex) else frame.index
    base = period_label(1, pd.DatetimeIndex(index.unique())) if isinstance(index, pd.DatetimeIndex) else "1D"
    out = []
    for column in frame.columns:
        try:
            out.append(max(1, int(round(_label_ratio(str(column), base)))))
        except ParameterError:
            raise ParameterError(f"cannot tell the horizon in bars of IC column {column!r}: pass periods=") from None
    return out
