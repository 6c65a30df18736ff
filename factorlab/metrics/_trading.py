"""Trading statistics from trades, equity and volumes: turnover, trades per day, capacity.

Inputs
------
trades
    Either *wide*: a DataFrame, index = bar timestamps, columns = assets,
    values = signed traded notional in currency (NaN or 0 = no trade, each
    other cell is one trade); or *long*, one row per fill, with the traded
    notional in a 'value' or 'notional' column or as 'amount' (shares) x
    'price', the timestamp in the index (DatetimeIndex) or a 'date' /
    'timestamp' / 'dt' column and the asset in 'asset' / 'symbol' / 'sid'.
equity
    The portfolio value per bar (a Series), or the positions as a DataFrame
    of position values per asset *including* a cash column, summed per bar.
volumes
    Traded volume per bar and asset (wide, like prices): in currency, or in
    shares together with ``prices`` (dollar volume = volume x price).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from factorlab.errors import AlignmentError, DataError, ParameterError
from factorlab.metrics._base import resolve_ppy
from factorlab.metrics._periods import Market
from factorlab.metrics._tables import runtime_days

__all__ = ["turnover_series", "turnover", "trades_per_day", "capacity"]

_TIME_COLS = ("date", "timestamp", "dt")
_ASSET_COLS = ("asset", "symbol", "sid")


def _is_long(trades: pd.DataFrame) -> bool:
    cols = set(map(str, trades.columns))
    return bool({"value", "notional"} & cols) or {"amount", "price"} <= cols


def _long_to_wide(trades: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    cols = {str(c): c for c in trades.columns}
    if "value" in cols or "notional" in cols:
        notional = trades[cols.get("value", cols.get("notional"))].astype(float)
    else:
        notional = trades[cols["amount"]].astype(float) * trades[cols["price"]].astype(float)
    time_col = next((cols[c] for c in _TIME_COLS if c in cols), None)
    when = trades[time_col] if time_col is not None else trades.index
    if not isinstance(pd.Index(when), pd.DatetimeIndex):
        raise DataError("long trades need a DatetimeIndex or a 'date'/'timestamp'/'dt' column")
    asset_col = next((cols[c] for c in _ASSET_COLS if c in cols), None)
    asset = trades[asset_col].to_numpy() if asset_col is not None else np.zeros(len(trades), int)
    frame = pd.DataFrame({"when": pd.Index(when), "asset": asset, "n": notional.abs().to_numpy()})
    wide = frame.pivot_table(index="when", columns="asset", values="n", aggfunc="sum")
    wide.index.name = None
    return wide, int((frame["n"] > 0).sum())


def _as_wide(trades: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Absolute traded notional per (bar, asset) and the number of trades."""
    if not isinstance(trades, pd.DataFrame):
        raise ParameterError(f"trades must be a DataFrame, got {type(trades).__name__}")
    if _is_long(trades):
        return _long_to_wide(trades)
    if not isinstance(trades.index, pd.DatetimeIndex):
        raise DataError("wide trades need a DatetimeIndex (bars) and one column per asset")
    wide = trades.astype(float).abs()
    return wide, int((wide > 0).to_numpy().sum())


def _equity_series(equity: pd.Series | pd.DataFrame) -> pd.Series:
    if isinstance(equity, pd.DataFrame):
        equity = equity.astype(float).sum(axis=1, min_count=1)
    if not isinstance(equity, pd.Series):
        raise ParameterError(f"equity must be a Series or a positions DataFrame, got {type(equity).__name__}")
    return equity.astype(float)


def _on_equity_bars(wide: pd.DataFrame, eq: pd.Series) -> pd.DataFrame:
    missing = wide.index.difference(eq.index)
    if len(missing):
        raise AlignmentError(f"{len(missing)} trade timestamps are not bars of equity, first {missing[0]}")
    return wide.reindex(eq.index)


def turnover_series(trades: pd.DataFrame, equity: pd.Series | pd.DataFrame) -> pd.Series:
    """Traded notional per bar as a fraction of the portfolio value at that bar.

    ``sum_assets |notional[t, a]| / equity[t]``, counting buys and sells (two
    sided: replacing the whole book reads 2.0, as ``InterleavedResult.turnover``).
    0 on bars without trades, NaN where equity is not positive.

    Returns
    -------
    Series on the equity's index.
    """
    eq = _equity_series(equity)
    wide, _ = _as_wide(trades)
    traded = _on_equity_bars(wide, eq).sum(axis=1, min_count=1).fillna(0.0)
    out = traded / eq.where(eq > 0)
    return out.rename("turnover")


def turnover(trades: pd.DataFrame, equity: pd.Series | pd.DataFrame, *,
             periods_per_year: float | None = None, market: Market | None = None) -> float:
    """Annual turnover: mean per-bar turnover (:func:`turnover_series`) x bars per year.

    Two sided (buys + sells): 2.0 means the portfolio was replaced once a
    year. NaN when equity has no positive value.
    """
    eq = _equity_series(equity)
    ppy = resolve_ppy(eq, periods_per_year, market)
    ts = turnover_series(trades, eq)
    return float(ts.mean() * ppy) if ts.notna().any() else float("nan")


def trades_per_day(trades: pd.DataFrame, index: pd.Index | pd.Series | pd.DataFrame | None = None) -> float:
    """Number of trades divided by :func:`runtime_days` (calendar days).

    ``index`` gives the backtest's bars (their span is the runtime); without
    it the span of the trades' own timestamps is used. NaN for an empty span;
    0.0 when there are no trades in a given span.
    """
    wide, count = _as_wide(trades)
    span = wide.index if index is None else (index if isinstance(index, pd.Index) else index.index)
    days = runtime_days(pd.DatetimeIndex(span))
    return float(count / days) if days > 0 else float("nan")


def capacity(trades: pd.DataFrame, equity: pd.Series | pd.DataFrame, volumes: pd.DataFrame, *,
             prices: pd.DataFrame | None = None, max_participation: float = 0.01,
             quantile: float = 0.0) -> float:
    """Largest capital at which every trade stays within a share of the bar's volume.

    A trade of notional ``n`` at bar t made with portfolio value ``E[t]`` is
    the fraction ``n / E[t]`` of the capital; scaled to a capital ``K`` it is
    ``K * n / E[t]``. Keeping it below ``max_participation`` of the bar's dollar
    volume ``DV[t, a]`` allows ``K <= max_participation * DV[t, a] * E[t] / n``.
    The capacity is the minimum of this bound over all trades (``quantile=0``),
    or its ``quantile`` (e.g. 0.05) to ignore the thinnest few bars.

    Trades whose dollar volume is unknown (NaN) are skipped; a trade on a bar
    with zero volume gives a capacity of 0. NaN without any trade.

    Returns
    -------
    float, in the currency of ``equity``.
    """
    if not 0 < max_participation <= 1:
        raise ParameterError(f"max_participation must be in (0, 1], got {max_participation!r}")
    if not 0 <= quantile < 1:
        raise ParameterError(f"quantile must be in [0, 1), got {quantile!r}")
    eq = _equity_series(equity)
    wide = _on_equity_bars(_as_wide(trades)[0], eq)
    dv = volumes.astype(float) if prices is None else volumes.astype(float) * prices.astype(float)
    dv = dv.reindex(index=wide.index, columns=wide.columns)
    n = wide.to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        limit = max_participation * dv.to_numpy() * eq.to_numpy()[:, None] / n
    limit = limit[(n > 0) & np.isfinite(limit)]
    if limit.size == 0:
        return float("nan")
    return float(np.quantile(limit, quantile)) if quantile > 0 else float(limit.min())
