"""Round trips from fills: average-cost accounting per asset (account level)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["round_trips"]

_COLS = ["asset", "open", "close", "direction", "shares", "entry_price", "exit_price", "pnl", "commission",
         "slippage", "cost_basis", "return", "duration", "bars"]
_OBJECT = ("asset", "direction")


def round_trips(trades: pd.DataFrame, index: pd.DatetimeIndex | None = None) -> pd.DataFrame:
    """Round trips of each asset: from a flat position back to flat (or through zero).

    Parameters
    ----------
    trades : pd.DataFrame
        Fills with columns date, asset, shares (signed), price, commission
        (and optionally slippage, currency), in time order.
    index : pd.DatetimeIndex, optional
        The run's bars, to count the bars each trip was held.

    Returns
    -------
    pd.DataFrame
        One row per closed round trip: asset, open, close (dates), direction
        ('long'/'short'), shares (largest absolute position), entry_price and
        exit_price (average fill prices), pnl (currency, net of commission;
        slippage is in the fill prices), commission and slippage (currency,
        every fill of the trip), cost_basis (|entry notional|, currency),
        return (pnl / cost_basis), duration (Timedelta), bars (bars held;
        NaN without ``index``). Positions still open at the end are not listed.
    """
    rows = []
    slip = trades["slippage"] if "slippage" in trades else pd.Series(0.0, index=trades.index)
    for asset, g in trades.assign(_slip=slip).groupby("asset", sort=False):
        rows.extend(_one_asset(asset, g["date"].to_numpy(), g["shares"].to_numpy(), g["price"].to_numpy(),
                               g["commission"].to_numpy(), g["_slip"].to_numpy()))
    if not rows:
        empty = {c: pd.Series(dtype=object if c in _OBJECT else "float64") for c in _COLS}
        empty.update(open=pd.Series(dtype="datetime64[ns]"), close=pd.Series(dtype="datetime64[ns]"),
                     duration=pd.Series(dtype="timedelta64[ns]"))
        return pd.DataFrame(empty)
    out = pd.DataFrame(rows, columns=_COLS[:-2])
    out["duration"] = pd.to_datetime(out["close"]) - pd.to_datetime(out["open"])
    if index is None:
        out["bars"] = np.nan
    else:
        out["bars"] = (index.get_indexer(pd.to_datetime(out["close"]))
                       - index.get_indexer(pd.to_datetime(out["open"]))).astype("float64")
    return out.sort_values(["close", "open"], kind="stable").reset_index(drop=True)


def _one_asset(asset, dates, shares, prices, comm, slip) -> list:
    out = []
    pos = avg = pnl = basis = fees = slipped = peak = exit_value = exit_shares = 0.0
    opened, entry = None, 0.0
    for d, q, p, c, s in zip(dates, shares, prices, comm, slip):
        if pos == 0.0:
            opened, avg, pnl, basis, fees, slipped, peak = d, p, 0.0, 0.0, 0.0, 0.0, 0.0
            exit_value = exit_shares = 0.0
        pnl -= c
        fees += c
        slipped += s
        if pos == 0.0 or np.sign(q) == np.sign(pos):  # open or add: average the entry price
            new = pos + q
            avg = (avg * pos + p * q) / new
            basis += abs(q * p)
            pos = new
            peak = max(peak, abs(pos))
            entry = avg
            continue
        closing = min(abs(q), abs(pos)) * np.sign(q)
        pnl += -closing * (p - avg)
        exit_value += abs(closing) * p
        exit_shares += abs(closing)
        pos += closing
        rest = q - closing
        if abs(pos) < 1e-9:
            out.append((asset, opened, d, "long" if closing < 0 else "short", peak, entry,
                        exit_value / exit_shares, pnl, fees, slipped, basis, pnl / basis if basis else np.nan))
            pos = 0.0
            if rest != 0:
                opened, avg, pos, basis, pnl, fees, slipped = d, p, rest, abs(rest * p), 0.0, 0.0, 0.0
                peak, entry, exit_value, exit_shares = abs(rest), p, 0.0, 0.0
    return out
