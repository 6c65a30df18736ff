"""Round trips from fills: average-cost accounting per asset (account level)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["round_trips"]

_COLS = ["asset", "open", "close", "direction", "pnl", "cost_basis", "return"]


def round_trips(trades: pd.DataFrame) -> pd.DataFrame:
    """Round trips of each asset: from a flat position back to flat (or through zero).

    Parameters
    ----------
    trades : pd.DataFrame
        Fills with columns date, asset, shares (signed), price, commission, in time order.

    Returns
    -------
    pd.DataFrame
        One row per closed round trip: asset, open, close (dates), direction,
        pnl (currency, net of commission), cost_basis (|entry notional|, currency),
        return (pnl / cost_basis).
    """
    rows = []
    for asset, g in trades.groupby("asset", sort=False):
        rows.extend(_one_asset(asset, g["date"].to_numpy(), g["shares"].to_numpy(), g["price"].to_numpy(),
                               g["commission"].to_numpy()))
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("asset", "direction") else "float64")
                             for c in _COLS})
    return pd.DataFrame(rows, columns=_COLS)


def _one_asset(asset, dates, shares, prices, comm) -> list:
    out, pos, avg, pnl, basis, opened = [], 0.0, 0.0, 0.0, 0.0, None
    for d, q, p, c in zip(dates, shares, prices, comm):
        pnl -= c
        if pos == 0.0:
            opened, avg, pnl, basis = d, p, -c, 0.0
        if pos == 0.0 or np.sign(q) == np.sign(pos):  # open or add: average the entry price
            new = pos + q
            avg = (avg * pos + p * q) / new
            basis += abs(q * p)
            pos = new
            continue
        closing = min(abs(q), abs(pos)) * np.sign(q)
        pnl += -closing * (p - avg)
        pos += closing
        rest = q - closing
        if abs(pos) < 1e-9:
            out.append((asset, opened, d, "long" if closing < 0 else "short", pnl, basis,
                        pnl / basis if basis else np.nan))
            pos, pnl = 0.0, 0.0
            if rest != 0:
                opened, avg, pos, basis = d, p, rest, abs(rest * p)
    return out
