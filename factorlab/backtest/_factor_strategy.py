"""FactorStrategy: the N interleaved sleeves of the tear sheet, traded with real orders.

Each of the N sleeves (``period``) is a position book funded with
capital / N. The schedule is the calculator's
(:func:`factorlab.interleaved_returns`): with ``t0`` the first factor date,
sleeve ``k`` rebalances on the signal bars ``t0 + k + jN``; a bar without a
factor row keeps that sleeve's positions. A rebalance places one
``order_target_weights`` batch for the sleeve's book, with the weights of
the factor on that bar; the orders fill ``delay`` bars later and are
sized then from the book's value at the fill prices, which is exactly the
calculator's ``h = V * w / P[t + delay]``.

Delays: an order lives until its execution bar, so with a delay longer than
N a sleeve has several rebalances in flight (placed, not yet filled) and each
fills on its own bar, as in the calculator.

Reconciliation ("fix positions"): a book is the ledger of its own fills, so
after unfilled or partial orders it holds what was actually traded, and the
next rebalance is sized from the actual book when it fills. Assets the book
holds or has in flight are ordered too (to weight 0 when not targeted), and a
leftover kept open by ``unfilled='keep'`` is superseded when the newer
target comes due. The sum of the books is the account.

Weights
    ``factor_weights(factor, long_short, group_neutral, equal_weight,
    quantiles)`` per date (row-wise: the row of date t uses only the factor at
    t), then optionally the ``max_long``/``max_short`` largest names per side
    (per group and side under ``group_neutral``, each group's sides scaled
    back to their gross so the groups stay neutral), then each side scaled to
    ``leverage * long_pct`` (long) and ``leverage * (1 - long_pct)`` (short)
    gross when long-short, or the whole row by ``leverage`` when long-only.
    For factor_weights' long-short output (0.5 gross a side) the scaling is an
    identity up to rounding (~1e-16).

Several factors
    ``FactorStrategy([f1, f2, ...])`` (or a dict name -> factor) weights each
    factor as above and holds their equal-weight average: the template's
    several strategies, each on an equal share of the capital, netted in one
    book per sleeve. A date or asset one factor lacks counts as weight 0 for it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from factorlab.backtest._strategy import Strategy
from factorlab.data._validate import check_same_timezone
from factorlab.errors import AlignmentError, ParameterError
from factorlab.factor._prepare import FactorData
from factorlab.portfolio._weights import factor_weights

__all__ = ["FactorStrategy"]


class FactorStrategy(Strategy):
    """Trade a factor as N interleaved sleeves (one position book per sleeve).

    Parameters
    ----------
    factor : FactorData, (date, asset) Series or wide DataFrame (dates x assets), or a list / dict of them
        Factor values; the value at t is known at t. ``quantiles=`` needs a FactorData.
        Several factors: the equal-weight average of each factor's weights.
    period : int, default 1
        N: number of sleeves and bars each position is held (the ``period``
        of :func:`factorlab.interleaved_returns`).
    long_short, group_neutral, equal_weight, quantiles
        As in :func:`factorlab.factor_weights`; groups come from the FactorData
        or from ``backtest(groups=)``.
    max_long, max_short : int, optional
        Keep only the largest ``max_long`` long and ``max_short`` short weights per date
        (per group and date under ``group_neutral``).
    leverage : float, default 1.0
        Gross exposure of each sleeve.
    long_pct : float, optional
        Share of the gross on the long side (long-short only); None keeps the
        split of factor_weights (0.5 for demeaned weights).
    options : FactorOptions, optional
        The tear sheet's options object: its ``long_short``, ``group_neutral``
        and ``equal_weight`` (parameters given as keywords win). Its ``delay``
        and ``cost_bps`` are the backtest's ``delay=`` and ``commission=``.
    """

    period = 1
    long_short = True
    group_neutral = False
    equal_weight = False
    quantiles = None
    max_long = None
    max_short = None
    leverage = 1.0
    long_pct = None

    def __init__(self, factor, options=None, **params) -> None:
        if options is not None:  # the tear sheet's options object: its weighting, unless given as a parameter
            from factorlab.factor._options import FactorOptions

            if not isinstance(options, FactorOptions):
                raise ParameterError(f"options must be a FactorOptions, got {type(options).__name__}")
            params = {**options.weight_kwargs, **params}
        super().__init__(**params)
        self.factor = factor
        self._factor_list()

    def _factor_list(self) -> list:
        """``self.factor`` as a list of factors (checked)."""
        factor = self.factor
        factors = list(factor.values()) if isinstance(factor, Mapping) else (
            list(factor) if isinstance(factor, (list, tuple)) else [factor])
        if not factors:
            raise ParameterError("FactorStrategy needs at least one factor")
        for f in factors:
            if not isinstance(f, (FactorData, pd.Series, pd.DataFrame)):
                raise ParameterError(f"factor must be a FactorData, a (date, asset) Series or a wide DataFrame "
                                     f"(or a list or dict of them), got {type(f).__name__}")
        return factors

    def _check(self) -> int:
        n = self.period
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ParameterError(f"period must be an integer number of bars >= 1, got {n!r}")
        lp = 0.5 if self.long_pct is None else float(self.long_pct)
        if not 0.0 <= lp <= 1.0 or float(self.leverage) < 0:
            raise ParameterError(f"need 0 <= long_pct <= 1 and leverage >= 0, "
                                 f"got {self.long_pct}, {self.leverage}")
        return int(n)

    def target_weights(self, groups: pd.Series | None = None) -> pd.DataFrame:
        """Target weights per factor date after selection and scaling, shape (dates, assets).

        NaN = not held. Several factors: the equal-weight average of each
        factor's weights on the union of their dates and assets (0 where one
        lacks a date or asset).
        """
        parts = [self._factor_weights(f, groups) for f in self._factor_list()]
        if len(parts) == 1:
            return parts[0]
        index = parts[0].index
        columns = parts[0].columns
        for p in parts[1:]:
            index, columns = index.union(p.index), columns.union(p.columns, sort=False)
        total = np.zeros((len(index), len(columns)))
        for p in parts:
            total += p.reindex(index=index, columns=columns).fillna(0.0).to_numpy(dtype="float64")
        return pd.DataFrame(total / len(parts), index=index, columns=columns)

    def _factor_weights(self, factor, groups: pd.Series | None) -> pd.DataFrame:
        """The weights of one factor (selection, side split and leverage applied)."""
        groups_arg = None if isinstance(factor, FactorData) else groups
        if self.group_neutral and groups_arg is None and not isinstance(factor, FactorData):
            raise ParameterError("group_neutral=True needs groups: backtest(..., groups=sectors) or a "
                                 "FactorData "
                                 "prepared with groupby=")
        w = factor_weights(factor, long_short=self.long_short, group_neutral=self.group_neutral,
                           equal_weight=self.equal_weight, quantiles=self.quantiles, groups=groups_arg)
        select = self.max_long is not None or self.max_short is not None
        split = self.long_pct is not None and self.long_short
        if not (select or split or float(self.leverage) != 1.0):
            return w  # factor_weights' own frame: no whole-panel copy
        x = w.to_numpy(dtype="float64")  # never written in place: each step below makes a new array
        long0, short0 = _side_gross(x)
        if select and self.group_neutral:
            x = _select_by_group(x, _group_array(factor, groups_arg, w), self.max_long, self.max_short)
        elif select:
            if self.max_long is not None:
                x = _keep_largest(x, int(self.max_long), side=1.0)
            if self.max_short is not None:
                x = _keep_largest(x, int(self.max_short), side=-1.0)
            x = _scale_sides(x, long0, short0)
        if split:
            gross = long0 + short0
            x = _scale_sides(x, gross * float(self.long_pct), gross * (1.0 - float(self.long_pct)))
        if float(self.leverage) != 1.0:
            x = x * float(self.leverage)
        return pd.DataFrame(x, index=w.index, columns=w.columns)

    def initialize(self, ctx) -> None:
        N = self._check()
        w = self.target_weights(ctx.groups)
        cols = ctx.assets.get_indexer(w.columns)
        if (cols < 0).any():
            from factorlab.factor._quality import missing_assets_hint

            # the tear sheet's hint: names by example, and those matching a price column but for case/spaces/type
            raise AlignmentError(f"{missing_assets_hint(w.columns, ctx.assets)}; FactorStrategy trades only "
                                 "assets with a price column (drop them or add their prices)")
        check_same_timezone(w.index, ctx.index, "factor", "prices")
        rows = ctx.index.get_indexer(w.index)
        if (rows < 0).any():
            raise AlignmentError(f"{int((rows < 0).sum())} factor date(s) are not bars of prices, e.g. "
                                 f"{w.index[rows < 0][0]}")
        if len(rows) and N > len(ctx.index) - int(rows.min()):
            raise ParameterError(f"period {N} is longer than the {len(ctx.index) - int(rows.min())} bars from "
                                 f"the first factor date ({w.index[0]}) to the end of the prices: some sleeves "
                                 "would never trade")
        full = np.zeros((len(w.index), len(ctx.assets)))
        full[:, cols] = w.to_numpy(dtype="float64")
        np.nan_to_num(full, copy=False, nan=0.0)
        self._weights = full
        self._row_of_bar = np.full(len(ctx.index), -1, dtype=np.int64)
        self._row_of_bar[rows] = np.arange(len(rows))
        self._t0 = int(rows.min())
        self.books = ctx.open_books(N)

    def sleeve_of_bar(self, bar: int) -> int:
        """The sleeve scheduled on a bar (``(bar - t0) % N``)."""
        return (bar - self._t0) % len(self.books)

    def on_data(self, ctx, data) -> None:
        row = self._row_of_bar[data.bar]
        if row < 0:
            return
        ctx.order_target_weights(self._weights[row], book=self.books[self.sleeve_of_bar(data.bar)])


def _group_array(factor, groups, w: pd.DataFrame) -> np.ndarray:
    """Group label per (date, asset) of ``w``, shape (dates, assets), object dtype (None = no group)."""
    from factorlab.data._validate import groups_to_wide

    if groups is not None:
        return groups_to_wide(groups, w.index, w.columns).to_numpy(dtype=object)
    return factor.group.reindex(index=w.index, columns=w.columns).to_numpy(dtype=object)


def _select_by_group(x: np.ndarray, g: np.ndarray, max_long, max_short) -> np.ndarray:
    """Keep the largest ``max_long``/``max_short`` names per side within each group and date, and scale
    each group's sides back to their gross (a group-neutral book stays neutral)."""
    out = np.where(np.isnan(x), np.nan, 0.0)
    labels = pd.unique(g[pd.notna(g)].ravel())
    for label in labels:
        in_g = g == label
        xg = np.where(in_g, x, 0.0)
        long0, short0 = _side_gross(xg)
        if max_long is not None:
            xg = _keep_largest(xg, int(max_long), side=1.0)
        if max_short is not None:
            xg = _keep_largest(xg, int(max_short), side=-1.0)
        xg = _scale_sides(xg, long0, short0)
        out = np.where(in_g & np.isfinite(x), xg, out)
    return out


def _keep_largest(x: np.ndarray, k: int, side: float) -> np.ndarray:
    """Zero all but the ``k`` largest weights of one sign per row (NaN stays NaN)."""
    if k < 0:
        raise ParameterError(f"max_long/max_short must be >= 0, got {k}")
    s = np.where(np.sign(x) == side, np.abs(x), 0.0)
    if k >= s.shape[1]:
        return x
    order = np.argsort(-s, axis=1, kind="stable")
    drop = np.zeros_like(s, dtype=bool)
    np.put_along_axis(drop, order[:, k:], True, axis=1)
    return np.where(drop & (s > 0), 0.0, x)


def _side_gross(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gross weight of the long and of the short side per row, shapes (rows, 1)."""
    long = np.nansum(np.where(x > 0, x, 0.0), axis=1, keepdims=True)
    short = -np.nansum(np.where(x < 0, x, 0.0), axis=1, keepdims=True)
    return long, short


def _scale_sides(x: np.ndarray, long_gross: np.ndarray, short_gross: np.ndarray) -> np.ndarray:
    """Scale each row's long and short side to the given gross (a side without names is left as is)."""
    pos, neg = _side_gross(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        up = np.where(pos > 0, long_gross / pos, 1.0)
        down = np.where(neg > 0, short_gross / neg, 1.0)
    return np.where(x > 0, x * up, np.where(x < 0, x * down, x))
