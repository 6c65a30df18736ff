"""Probability of backtest overfitting by combinatorially symmetric cross-validation (CSCV).

Bailey, Borwein, Lopez de Prado and Zhu (2015), "The Probability of Backtest
Overfitting". Given the per-bar returns of N trials (parameter sets) over the
same T bars:

1. split the bars into S contiguous blocks of equal length (S even; the
   first ``T mod S`` bars are dropped so the blocks are equal);
2. for each of the C(S, S/2) ways to choose half the blocks as the in-sample
   set (the rest, in time order, is the out-of-sample set), find the trial
   with the best in-sample performance, n*;
3. rank n* among all trials out of sample (1 = worst, N = best; ties share
   their average rank), ``omega = rank / (N + 1)`` and the logit
   ``lambda = ln(omega / (1 - omega))``;
4. PBO is the share of splits with ``lambda <= 0``: the in-sample winner does
   no better than the median trial out of sample.

The performance of a trial on a set of bars is its Sharpe ratio (mean / sample
standard deviation of the per-bar returns; no annualisation is needed to rank)
or its mean return. Computed with arrays: per block sums and sums of squares,
combined per split.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from factorlab.errors import ParameterError

__all__ = ["PBOResult", "probability_of_backtest_overfitting"]

_METRICS = ("sharpe", "mean")


@dataclass(frozen=True)
class PBOResult:
    """Outcome of :func:`probability_of_backtest_overfitting`.

    Attributes
    ----------
    pbo : float
        Share of splits where the in-sample best trial ranks at or below the
        out-of-sample median (``lambda <= 0``), in [0, 1].
    logits : pd.Series
        ``lambda`` per split (index: the in-sample blocks, e.g. '0,1').
    best_in_sample : pd.Series
        The in-sample best trial per split (a column label of the returns).
    oos_rank : pd.Series
        Its out-of-sample rank per split (1 = worst, N = best).
    n_splits : int
        S, the number of blocks.
    metric : str
    """

    pbo: float
    logits: pd.Series
    best_in_sample: pd.Series
    oos_rank: pd.Series
    n_splits: int
    metric: str

    def __repr__(self) -> str:
        return (f"PBOResult(pbo={self.pbo:.3f}, {len(self.logits)} splits of {self.n_splits} blocks, "
                f"metric={self.metric!r})")


def _performance(s1: np.ndarray, s2: np.ndarray, n: np.ndarray, metric: str) -> np.ndarray:
    """Metric per trial from sums, sums of squares and counts over a set of blocks."""
    mean = s1 / n
    if metric == "mean":
        return mean
    with np.errstate(invalid="ignore", divide="ignore"):
        var = (s2 - n * mean**2) / (n - 1)
        sr = mean / np.sqrt(var)
    return np.where(var > 0, sr, np.nan)


def _ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..N (ties share the average rank)."""
    from scipy.stats import rankdata

    return rankdata(values, method="average")


def probability_of_backtest_overfitting(returns: pd.DataFrame | np.ndarray, n_splits: int = 8, *,
                                        metric: str = "sharpe") -> PBOResult:
    """PBO of choosing the best of N trials by CSCV (see the module docstring).

    Parameters
    ----------
    returns : pd.DataFrame or ndarray, shape (bars, trials)
        Per-bar returns of every trial on the same bars (0.01 = 1%); no NaN.
    n_splits : int, default 8
        S, an even number of blocks >= 2 (at most the number of bars);
        C(S, S/2) splits are evaluated (70 for S = 8).
    metric : {'sharpe', 'mean'}
        Performance of a trial on a set of bars.

    Returns
    -------
    PBOResult

    Raises
    ------
    ParameterError
        Fewer than 2 trials, bad ``n_splits`` or ``metric``, NaN returns,
        or fewer bars than blocks.
    """
    frame = returns if isinstance(returns, pd.DataFrame) else pd.DataFrame(np.asarray(returns, dtype="float64"))
    x = frame.to_numpy(dtype="float64")
    if x.ndim != 2 or x.shape[1] < 2:
        raise ParameterError(f"PBO needs the returns of at least 2 trials as (bars, trials), got shape {x.shape}")
    if metric not in _METRICS:
        raise ParameterError(f"metric must be one of {_METRICS}, got {metric!r}")
    if isinstance(n_splits, bool) or not isinstance(n_splits, (int, np.integer)) or n_splits < 2 \
            or n_splits % 2:
        raise ParameterError(f"n_splits must be an even integer >= 2, got {n_splits!r}")
    if np.isnan(x).any():
        raise ParameterError(f"PBO needs returns on the same bars for every trial; {int(np.isnan(x).sum())} "
                             "are NaN")
    T, N = x.shape
    size = T // n_splits
    if size < 1 or (metric == "sharpe" and size * n_splits // 2 < 2):
        raise ParameterError(f"{T} bars cannot make {n_splits} blocks of returns; use fewer n_splits")
    blocks = x[T - size * n_splits:].reshape(n_splits, size, N)
    s1, s2 = blocks.sum(axis=1), (blocks**2).sum(axis=1)  # (blocks, trials)
    labels, logits, best, ranks = [], [], [], []
    total1, total2 = s1.sum(axis=0), s2.sum(axis=0)
    half = float(size * n_splits // 2)
    for ins in combinations(range(n_splits), n_splits // 2):
        idx = list(ins)
        i1, i2 = s1[idx].sum(axis=0), s2[idx].sum(axis=0)
        perf_is = _performance(i1, i2, np.full(N, half), metric)
        perf_oos = _performance(total1 - i1, total2 - i2, np.full(N, half), metric)
        if np.isnan(perf_is).all() or np.isnan(perf_oos).any():
            continue
        star = int(np.nanargmax(perf_is))
        rank = float(_ranks(perf_oos)[star])
        omega = rank / (N + 1)
        labels.append(",".join(map(str, idx)))
        logits.append(np.log(omega / (1.0 - omega)))
        best.append(frame.columns[star])
        ranks.append(rank)
    if not logits:
        raise ParameterError("no split had a defined performance for every trial (constant returns?)")
    lam = pd.Series(logits, index=pd.Index(labels, name="in_sample_blocks"), name="logit")
    return PBOResult(pbo=float((lam <= 0).mean()), logits=lam,
                     best_in_sample=pd.Series(best, index=lam.index, name="best_in_sample"),
                     oos_rank=pd.Series(ranks, index=lam.index, name="oos_rank"), n_splits=int(n_splits),
                     metric=metric)
