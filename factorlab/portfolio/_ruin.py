"""Per-bar returns, turnover and ruin records from the sleeve kernel's outputs.

A ruined portfolio is worth 0 from its ruin on: its return on the bar of the
ruin is the loss to 0 (-100%), and 0 after it (nothing is held, nothing
changes); its turnover is 0 after it. Nothing divides by a value of 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from factorlab.portfolio._kernel import RUIN_FIELDS

__all__ = ["bar_returns", "bar_turnover", "ruin_summary", "ruin_table"]


def bar_returns(equity: np.ndarray, capital: float) -> np.ndarray:
    """``equity[t] / equity[t-1] - 1`` along the last axis, the equity before the first bar being
    ``capital``; 0 after a ruin (equity 0 before and after)."""
    equity = np.asarray(equity, dtype="float64")
    prev = np.concatenate((np.full(equity.shape[:-1] + (1,), float(capital)), equity[..., :-1]), axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = equity / prev - 1.0
    out[prev <= 0.0] = 0.0
    return out


def bar_turnover(traded: np.ndarray, equity: np.ndarray, costs: np.ndarray) -> np.ndarray:
    """Traded notional / value before the bar's costs; 0 where that value is 0 (a ruined portfolio)."""
    before = equity + costs
    with np.errstate(divide="ignore", invalid="ignore"):
        out = traded / before
    out[before <= 0.0] = 0.0
    return out


def ruin_table(records: np.ndarray, index: pd.DatetimeIndex, assets: pd.Index) -> pd.DataFrame:
    """The kernel's ruin records of one portfolio as a table (see ``InterleavedResult.ruins``)."""
    rec = np.asarray(records, dtype="float64").reshape(-1, len(RUIN_FIELDS))
    rows = rec[:, 0].astype(np.int64)
    sleeve = pd.array(rec[:, 1].astype(np.int64), dtype="Int64")
    sleeve[rec[:, 1] < 0] = pd.NA
    pos = rec[:, 3].astype(np.int64)
    out = pd.DataFrame({"date": index[rows], "sleeve": sleeve, "value": rec[:, 2], "move": rec[:, 4],
                        "shortfall": rec[:, 5]})
    # object dtype whatever the names and however many rows (None: no name did it)
    out.insert(3, "asset", pd.Series([assets[i] if i >= 0 else None for i in pos], dtype=object, index=out.index))
    return out


def ruin_summary(ruins: pd.DataFrame, worst: int = 3) -> str:
    """One line for a table of ruins: the count and the ``worst`` largest shortfalls (date, sleeve,
    the name whose move did it and the move)."""
    if ruins is None or not len(ruins):
        return "no sleeve was ruined"
    whole = ruins["sleeve"].isna()
    top = ruins[~whole].sort_values("shortfall", ascending=False).head(worst)
    where = []
    for _, r in top.iterrows():
        prefix = f"{r['period']} {r['portfolio']} " if "period" in r else ""
        move = "" if r["asset"] is None else f", {r['asset']} {r['move']:+.0%}"
        where.append(f"{prefix}sleeve {r['sleeve']} on {pd.Timestamp(r['date']).date()} "
                     f"(worth {r['value']:,.0f}{move})")
    text = (f"{int((~whole).sum())} sleeve(s) ruined (worth <= 0 at a bar's marks: closed, their shortfall "
            f"paid by the other sleeves, no more trades)")
    if where:
        text += "; largest: " + "; ".join(where)
    if whole.any():
        text += f"; {int(whole.sum())} portfolio(s) ruined whole (worth 0 from then on)"
    return text
