"""Random search over a grid and the sweep's defences against overfitting (deflated Sharpe, PBO)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from factorlab.errors import ParameterError

__all__ = ["grid_points", "overfitting_stats"]


def grid_points(cls, grid: Mapping[str, list], n_trials: int | None = None, seed: int | None = None) -> list[dict]:
    """Every combination of ``grid`` or, with ``n_trials``, that many drawn without replacement.

    The draw never builds the whole grid: point numbers are drawn from
    ``range(size)`` and decoded (mixed radix, the last parameter fastest, the
    order of :meth:`Strategy.param_grid`), then sorted, so a seed gives the
    same points in grid order.
    """
    if n_trials is None:
        return cls.param_grid(grid)
    if isinstance(n_trials, bool) or not isinstance(n_trials, (int, np.integer)) or n_trials < 1:
        raise ParameterError(f"n_trials must be an integer >= 1, got {n_trials!r}")
    cls.param_grid({k: v[:1] for k, v in grid.items()})  # checks the names without the whole grid
    names = list(grid)
    sizes = [len(grid[n]) for n in names]
    size = math.prod(sizes)
    if n_trials >= size:
        return cls.param_grid(grid)
    rng = np.random.default_rng(seed)
    picks = sorted(int(i) for i in rng.choice(size, size=int(n_trials), replace=False))
    points = []
    for number in picks:
        point, rest = {}, number
        for name, k in zip(reversed(names), reversed(sizes)):
            rest, j = divmod(rest, k)
            point[name] = grid[name][j]
        points.append({n: point[n] for n in names})
    return points


def overfitting_stats(outputs: list[dict], pbo_splits: int = 8) -> pd.Series:
    """Deflated Sharpe of every finished point and the sweep's PBO, from the points' per-bar returns.

    Each finished output gets ``deflated_sharpe``: :func:`factorlab.deflated_sharpe_ratio` of its
    returns with ``n_trials`` = the finished points and the variance of their per-bar Sharpe
    ratios (Bailey and Lopez de Prado's ``V``). PBO is
    :func:`factorlab.metrics.probability_of_backtest_overfitting` on the returns of all finished
    points (Sharpe ratio; ``pbo_splits`` blocks, halved until the bars allow). NaN where undefined
    (fewer than 2 trials, too few bars).

    Returns
    -------
    pd.Series
        n_trials, pbo, pbo_splits, best_deflated_sharpe, sharpe_variance.
    """
    from factorlab.metrics import probability_of_backtest_overfitting
    from factorlab.metrics._verdict import deflated_sharpe_ratio

    if isinstance(pbo_splits, bool) or not isinstance(pbo_splits, (int, np.integer)) or pbo_splits < 2 \
            or pbo_splits % 2:
        raise ParameterError(f"pbo_splits must be an even integer >= 2, got {pbo_splits!r}")
    done = [o for o in outputs if o["status"] == "finished" and o.get("returns") is not None]
    out = pd.Series({"n_trials": float(len(done)), "pbo": np.nan, "pbo_splits": np.nan,
                     "best_deflated_sharpe": np.nan, "sharpe_variance": np.nan}, name="overfitting")
    if not done:
        return out
    frame = pd.concat([o["returns"].rename(i) for i, o in enumerate(done)], axis=1).fillna(0.0)
    x = frame.to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        sharpe = x.mean(axis=0) / x.std(axis=0, ddof=1)
    finite = sharpe[np.isfinite(sharpe)]
    var = float(np.var(finite, ddof=1)) if len(finite) > 1 else None
    for o, col in zip(done, frame.columns):
        o["deflated_sharpe"] = deflated_sharpe_ratio(frame[col], n_trials=len(done), sharpe_variance=var)
    out["sharpe_variance"] = np.nan if var is None else var
    best = int(np.nanargmax(np.where(np.isfinite(sharpe), sharpe, -np.inf))) if len(finite) else None
    if best is not None:
        out["best_deflated_sharpe"] = done[best]["deflated_sharpe"]
    splits = int(pbo_splits)
    while splits >= 2 and len(frame) // splits < 2:
        splits -= 2
    if len(done) >= 2 and splits >= 2:
        try:
            res = probability_of_backtest_overfitting(frame, splits)
        except ParameterError:  # no split defined (constant returns)
            return out
        out["pbo"], out["pbo_splits"] = res.pbo, float(splits)
    return out
