"""Per-trade statistics from round trips: win rate, profit factor, expectancy, average win and loss,
durations, P&L in currency and fees.

A round trip is a position opened from flat and closed back to flat (see
:attr:`factorlab.backtest.BacktestResult.round_trips`). Every statistic here
counts trades, not bars: the per-bar win rate of
:func:`factorlab.metrics.win_rate` answers another question.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from factorlab.errors import ParameterError

__all__ = ["TRADE_STATS", "trade_statistics"]

#: Keys of :func:`trade_statistics`, in order, with their unit.
TRADE_STATS: dict[str, str] = {
    "trades": "count of closed round trips",
    "win_rate": "winning trades / trades (pnl > 0)",
    "loss_rate": "losing trades / trades (pnl < 0)",
    "profit_factor": "gross profit / gross loss (inf without a loss)",
    "expectancy": "mean pnl per trade (currency)",
    "expectancy_return": "mean return per trade (pnl / cost basis)",
    "average_win": "mean pnl of the winning trades (currency)",
    "average_loss": "mean pnl of the losing trades (currency, < 0)",
    "payoff_ratio": "average win / |average loss|",
    "largest_win": "largest pnl (currency)",
    "largest_loss": "smallest pnl (currency)",
    "gross_profit": "sum of the winning pnl (currency)",
    "gross_loss": "sum of the losing pnl (currency, <= 0)",
    "net_pnl": "sum of pnl, net of commission (currency)",
    "total_commission": "commission of the trades' fills (currency)",
    "total_slippage": "slippage of the trades' fills (currency)",
    "average_duration_days": "mean calendar days from open to close",
    "median_duration_days": "median calendar days from open to close",
    "max_duration_days": "longest trade in calendar days",
    "average_bars": "mean bars from open to close (NaN without bar counts)",
}
_NEEDED = ("pnl", "return", "duration")


def trade_statistics(round_trips: pd.DataFrame) -> pd.Series:
    """Statistics of closed round trips, one value per key of :data:`TRADE_STATS`.

    Parameters
    ----------
    round_trips : pd.DataFrame
        One row per trade with columns pnl (currency, net of commission),
        return, duration (Timedelta) and optionally commission, slippage,
        bars (:attr:`BacktestResult.round_trips`).

    Returns
    -------
    pd.Series
        With no trade: trades 0 and NaN elsewhere (fees 0). A trade with pnl
        exactly 0 is neither a win nor a loss.

    Raises
    ------
    ParameterError
        A required column is missing.
    """
    if not isinstance(round_trips, pd.DataFrame):
        raise ParameterError(f"round_trips must be a DataFrame, got {type(round_trips).__name__}")
    missing = [c for c in _NEEDED if c not in round_trips.columns]
    if missing:
        raise ParameterError(f"round_trips lacks column(s) {missing}; expected {list(_NEEDED)} "
                             "(BacktestResult.round_trips)")
    pnl = round_trips["pnl"].to_numpy(dtype="float64")
    n = len(pnl)
    out = pd.Series(np.nan, index=list(TRADE_STATS), dtype="float64", name="trades")
    out["trades"] = float(n)
    fees = {k: float(round_trips[k].sum()) if k in round_trips else np.nan for k in ("commission", "slippage")}
    out["total_commission"], out["total_slippage"] = fees["commission"], fees["slippage"]
    if n == 0:
        out[["total_commission", "total_slippage"]] = out[["total_commission", "total_slippage"]].fillna(0.0)
        return out
    wins, losses = pnl[pnl > 0], pnl[pnl < 0]
    gross_profit, gross_loss = float(wins.sum()), float(losses.sum())
    out["win_rate"], out["loss_rate"] = len(wins) / n, len(losses) / n
    out["profit_factor"] = gross_profit / -gross_loss if len(losses) else (np.inf if len(wins) else np.nan)
    out["expectancy"] = float(pnl.mean())
    out["expectancy_return"] = float(np.nanmean(round_trips["return"].to_numpy(dtype="float64")))
    out["average_win"] = float(wins.mean()) if len(wins) else np.nan
    out["average_loss"] = float(losses.mean()) if len(losses) else np.nan
    out["payoff_ratio"] = out["average_win"] / -out["average_loss"]
    out["largest_win"], out["largest_loss"] = float(pnl.max()), float(pnl.min())
    out["gross_profit"], out["gross_loss"], out["net_pnl"] = gross_profit, gross_loss, float(pnl.sum())
    days = pd.to_timedelta(round_trips["duration"]).dt.total_seconds().to_numpy() / 86_400.0
    out["average_duration_days"] = float(days.mean())
    out["median_duration_days"] = float(np.median(days))
    out["max_duration_days"] = float(days.max())
    if "bars" in round_trips:
        out["average_bars"] = float(round_trips["bars"].astype("float64").mean())
    return out
