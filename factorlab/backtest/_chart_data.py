"""Data of the backtest report's charts, computed from a result's arrays (no plotting here).

Order events of one asset, capacity over time, position allocation and
long/short exposure by group; :mod:`factorlab.plotting._backtest_charts` draws them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from factorlab.errors import ParameterError

__all__ = ["allocation", "capacity_over_time", "group_exposure", "order_events"]

#: Kinds of :func:`order_events`.
EVENT_KINDS = ("submitted", "buy", "sell", "cancelled")


def order_events(result, asset) -> pd.DataFrame:
    """Every order event of ``asset``: time, event ('submitted', 'buy', 'sell', 'cancelled'), price, shares.

    Submissions and cancellations are placed at the close mark of their bar
    (the price the strategy saw); fills at their fill price (slippage included).
    """
    if asset not in result.assets:
        raise ParameterError(f"unknown asset {asset!r}; the run has {list(result.assets[:8])}...")
    a = int(result.assets.get_loc(asset))
    full, lo = result.full_index, result.offset
    marks = result.marks

    def mark(bars: np.ndarray) -> np.ndarray:
        rel = np.clip(bars - lo, 0, len(result.index) - 1)
        return marks[rel, a]

    o = result.order_records[result.order_records["asset"] == a]
    f = result.fill_records[result.fill_records["asset"] == a]
    gone = o[(o["status"] == 2) & (o["closed_bar"] >= 0)]
    parts = [
        pd.DataFrame({"time": full[o["bar"]], "event": "submitted", "price": mark(o["bar"]),
                      "shares": o["amount"]}),
        pd.DataFrame({"time": full[f["bar"]], "event": np.where(f["shares"] > 0, "buy", "sell"),
                      "price": f["price"], "shares": f["shares"]}),
        pd.DataFrame({"time": full[gone["closed_bar"]], "event": "cancelled", "price": mark(gone["closed_bar"]),
                      "shares": gone["amount"] - gone["filled"]}),
    ]
    out = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else \
        pd.DataFrame({"time": pd.DatetimeIndex([]), "event": [], "price": [], "shares": []})
    return out.sort_values("time", kind="stable").reset_index(drop=True)


def capacity_over_time(result, max_participation: float = 0.01) -> pd.Series | None:
    """Capacity snapshot per bar with trades: the largest capital at which each of the bar's fills stays
    within ``max_participation`` of the bar's dollar volume (``max_participation * DV * equity / |notional|``,
    the minimum over the bar's fills; the rule of :func:`factorlab.metrics.capacity`). NaN on bars without
    fills; None without volumes.
    """
    dv = result.dollar_volumes
    if dv is None:
        return None
    f = result.fill_records
    rel = f["bar"] - result.offset
    notional = np.abs(f["shares"] * f["price"])
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = max_participation * dv.to_numpy()[rel, f["asset"]] * result.equity_values[rel] / notional
    ok = np.isfinite(bound) & (notional > 0)
    out = np.full(len(result.index), np.inf)
    np.minimum.at(out, rel[ok], bound[ok])
    return pd.Series(np.where(np.isinf(out), np.nan, out), index=result.index, name="capacity")


def allocation(result, top: int = 8) -> pd.DataFrame:
    """Absolute position value / equity per bar for the ``top`` names by mean absolute weight, plus 'other'.

    Every row sums to the gross exposure (long + |short|) of that bar.
    """
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise ParameterError(f"top must be an integer >= 1, got {top!r}")
    w = np.abs(result.weights.to_numpy())
    order = np.argsort(-np.nanmean(w, axis=0), kind="stable")
    held = order[np.nanmax(w, axis=0)[order] > 0] if len(w) else order[:0]
    keep = held[:top]
    frame = pd.DataFrame(w[:, keep], index=result.index, columns=result.assets[keep])
    rest = np.delete(w, keep, axis=1).sum(axis=1)
    if len(held) > top:
        frame["other"] = rest
    return frame


def group_exposure(result, groups=None) -> pd.DataFrame | None:
    """Long (>= 0) and short (<= 0) exposure per group as fractions of equity, columns (group, side).

    ``groups`` (asset -> label) defaults to the run's ``groups=``; assets without a
    label form the group 'other'. None without groups.
    """
    g = result.run_args.get("groups") if groups is None else groups
    if g is None:
        return None
    labels = pd.Series(g).reindex(result.assets).fillna("other").astype(str)
    w = result.weights.to_numpy()
    cols, data = [], []
    for label in sorted(labels.unique()):
        m = (labels == label).to_numpy()
        sub = w[:, m]
        cols += [(label, "long"), (label, "short")]
        data += [np.where(sub > 0, sub, 0.0).sum(axis=1), np.where(sub < 0, sub, 0.0).sum(axis=1)]
    return pd.DataFrame(np.column_stack(data), index=result.index,
                        columns=pd.MultiIndex.from_tuples(cols, names=["group", "side"]))
