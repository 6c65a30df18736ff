"""The verdict: does this factor work, per horizon, after honest inference and costs?

Per horizon N (see docs/concepts.md, "Honest statistics"):

* the mean IC with a Newey-West (HAC) test (overlapping N-bar horizons are
  not independent observations; the lag rule is :func:`factorlab.factor.hac_lags`),
  its p-value adjusted for the number of factors and parameter sets tried
  (Bonferroni: ``min(1, p * n_trials)``);
* the top-minus-bottom quantile spread: mean return of the top quantile
  minus the bottom one (long 1, short 1: 2x gross), per bar, HAC-tested;
* the long-short factor portfolio as N interleaved sleeves: gross and net
  Sharpe (annualised with the bar-frequency rule), the break-even cost (the
  cost in bps of traded notional at which its mean net return, and so its
  Sharpe, crosses 0, found by root finding on the exact sleeves), turnover,
  and the deflated Sharpe ratio (Bailey and Lopez de Prado, 2014) for
  ``n_trials``;
* one plain sentence.

Computation only: no plotting here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from math import e as _E
from math import sqrt

import numpy as np
import pandas as pd

from factorlab.errors import ParameterError
from factorlab.factor import (
    FactorData,
    hac_mean_test,
    ic_summary,
    information_coefficient,
    mean_return_by_quantile,
)
from factorlab.factor._information import LOOK_AHEAD_IC
from factorlab.factor._returns import _label_ratio
from factorlab.metrics._periods import bar_frequency
from factorlab.metrics._returns_stats import probabilistic_sharpe_ratio
from factorlab.portfolio import factor_weights, interleaved_returns

__all__ = ["SPREAD_LABEL", "FactorVerdict", "factor_verdict", "deflated_sharpe_ratio", "break_even_cost",
           "break_even_costs"]

_EULER = 0.5772156649015329

#: The label of the one spread of the tear sheet, the verdict and the explorer: the top and bottom
#: quantiles' mean returns as per-bar rates, differenced (long the top, short the bottom: 2x gross).
SPREAD_LABEL = "top - bottom spread (bps per bar, 2x gross)"


def _phi_inv(p: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(p))


def deflated_sharpe_ratio(returns: pd.Series | np.ndarray, n_trials: int = 1,
                          sharpe_variance: float | None = None) -> float:
    """Probability that the true Sharpe ratio is above the best of ``n_trials`` unskilled ones.

    Bailey and Lopez de Prado (2014): with the per-bar Sharpe ratio ``SR``
    of ``T`` returns, their skewness ``g3`` and kurtosis ``g4``,
    ``DSR = Phi((SR - SR0) * sqrt(T - 1) / sqrt(1 - g3 * SR + (g4 - 1) / 4 * SR**2))``
    where ``SR0 = sqrt(V) * ((1 - gamma) * Phi^-1(1 - 1/n) + gamma * Phi^-1(1 - 1/(n e)))``
    is the expected maximum Sharpe ratio of ``n`` trials without skill
    (``gamma`` the Euler-Mascheroni constant) and ``V`` the variance of the
    trials' Sharpe ratios; by default ``1 / (T - 1)``, the variance of a
    Sharpe estimate under the null. With one trial ``SR0 = 0``
    (the probabilistic Sharpe ratio).

    Returns
    -------
    float
        A probability in [0, 1]; NaN with fewer than 3 returns or no variation.
    """
    x = np.asarray(returns, dtype="float64")
    x = x[~np.isnan(x)]
    if isinstance(n_trials, bool) or not isinstance(n_trials, (int, np.integer)) or n_trials < 1:
        raise ParameterError(f"n_trials must be an integer >= 1, got {n_trials!r}")
    T = len(x)
    if T < 3:
        return np.nan
    var = (1.0 / (T - 1)) if sharpe_variance is None else float(sharpe_variance)
    sr0 = 0.0
    if n_trials > 1:
        sr0 = sqrt(var) * ((1 - _EULER) * _phi_inv(1 - 1 / n_trials)
                           + _EULER * _phi_inv(1 - 1 / (n_trials * _E)))
    # the probabilistic Sharpe ratio against SR0 (per bar: one bar a "year" keeps it unscaled)
    return float(probabilistic_sharpe_ratio(pd.Series(x), benchmark_sharpe=sr0, periods_per_year=1.0))


#: The break-even search's ceiling (bps of traded notional): a factor whose edge survives it is reported
#: as "above 10,000 bps" (inf), an answer rather than a search that runs on.
BREAK_EVEN_CAP_BPS = 10_000.0


def _secant(f0: float, traded: float, tol_bps: float):
    """The break-even search as a generator: yields each cost (bps) to evaluate, is sent the mean net
    per-bar return there, and returns the root (see :func:`break_even_cost`).

    Always terminates: from the linear estimate it doubles the cost until the mean net return is <= 0
    (a bracket; ``inf`` when it is still > 0 at :data:`BREAK_EVEN_CAP_BPS`), then narrows the bracket by
    regula falsi with the Illinois step (a bisection when a step would leave it), at most 100 steps.
    """
    if not np.isfinite(f0):
        return np.nan
    if f0 <= 0:
        return 0.0
    if not traded > 0:
        return np.nan
    lo, f_lo = 0.0, f0
    c = min(max(f0 / traded * 1e4, tol_bps), BREAK_EVEN_CAP_BPS)  # the linear estimate
    while True:
        fc = yield c
        if not np.isfinite(fc):
            return np.nan
        if fc <= 0:
            hi, f_hi = c, fc
            break
        lo, f_lo = c, fc
        if c >= BREAK_EVEN_CAP_BPS:
            return np.inf  # costs never eat the edge below the ceiling
        c = min(2.0 * c, BREAK_EVEN_CAP_BPS)
    side = 0
    for _ in range(100):
        if fc == 0 or hi - lo <= tol_bps:
            break
        last = c
        c = hi - f_hi * (hi - lo) / (f_hi - f_lo) if f_hi != f_lo else 0.5 * (lo + hi)
        if abs(c - last) <= tol_bps:  # the estimate has settled
            return float(c)
        if not lo < c < hi:
            c = 0.5 * (lo + hi)
        fc = yield c
        if not np.isfinite(fc):
            return np.nan
        if fc > 0:
            lo, f_lo = c, fc
            f_hi = f_hi / 2 if side == 1 else f_hi  # Illinois: the end that stays is halved
            side = 1
        else:
            hi, f_hi = c, fc
            f_lo = f_lo / 2 if side == -1 else f_lo
            side = -1
    return float(c) if fc == 0 else float(0.5 * (lo + hi))


def break_even_cost(weights: pd.DataFrame, prices: pd.DataFrame, period: int, *, delay: int = 0,
                    tol_bps: float = 1e-3, gross: pd.Series | None = None,
                    turnover: pd.Series | None = None) -> float:
    """The cost (bps of traded notional) at which the sleeves' mean net per-bar return is 0.

    The net Sharpe ratio has the sign of the mean net return, so this is
    also where the net Sharpe crosses 0. The mean net return is nearly
    linear in the cost: starting from the linear estimate
    ``mean gross return / mean turnover``, a bracketed search on exact
    :func:`interleaved_returns` runs finds the root to ``tol_bps``, usually in
    three or four runs, and always ends. 0 when the portfolio loses before
    costs ("not profitable at 0 bps"); ``inf`` when it is still profitable at
    10,000 bps; NaN when it never trades.

    Parameters
    ----------
    weights, prices, period, delay
        As for :func:`interleaved_returns`.
    tol_bps : float
        Precision of the result in bps.
    gross, turnover : pd.Series, optional
        The run at zero cost (per-bar returns and turnover), when already computed.
    """
    period = int(period)
    runs = None if gross is None or turnover is None else {period: (gross, turnover)}
    return break_even_costs(weights, prices, [period], delay=delay, tol_bps=tol_bps, runs=runs)[period]


def break_even_costs(weights: pd.DataFrame, prices: pd.DataFrame, periods, *, delay: int = 0,
                     tol_bps: float = 1e-3, runs: dict | None = None) -> dict[int, float]:
    """:func:`break_even_cost` of several periods, searched side by side: period -> cost (bps).

    Each period's search is :func:`break_even_cost`'s, step for step, so the results are equal to
    it exactly; the runs of every period's next guess share one preparation of the inputs and one
    pass over the bars.

    Parameters
    ----------
    weights, prices, delay, tol_bps
        As for :func:`break_even_cost`.
    periods : sequence of int
    runs : dict, optional
        period -> (per-bar gross returns, turnover) of the run at zero cost, when already computed.
    """
    from factorlab.portfolio._interleaved_quantiles import mean_returns_at_costs

    periods = [int(p) for p in periods]
    runs = dict(runs or {})
    for p in periods:
        if p not in runs:
            run = interleaved_returns(weights, prices, p, delay=delay)
            runs[p] = (run.returns, run.turnover)
    out: dict[int, float] = {}
    searches, asked = {}, {}
    for p in periods:
        gross, turnover = runs[p]
        search = _secant(float(gross.mean()), float(turnover.mean()), tol_bps)
        try:
            asked[p] = next(search)
            searches[p] = search
        except StopIteration as done:
            out[p] = done.value
    if searches:
        # each run's mean from inputs aligned and checked once, without a holdings ledger (the same numbers)
        means = mean_returns_at_costs(weights, prices, list(searches), delay=delay)
        while searches:
            values = means(asked)
            for p in list(searches):
                try:
                    asked[p] = searches[p].send(values[p])
                except StopIteration as done:
                    out[p] = done.value
                    del searches[p], asked[p]
    return {p: out[p] for p in periods}


@dataclass(frozen=True, eq=False)
class FactorVerdict:
    """Per-horizon significance, economics and a sentence (see :func:`factor_verdict`).

    Attributes
    ----------
    table : pd.DataFrame
        One row per period label; columns documented in :func:`factor_verdict`.
    cost_bps, alpha, n_trials : float, float, int
        The settings it was computed with.
    annualisation : str
        The bar-frequency rule's note ('annualised with 252 bars/year (daily, session calendar, inferred)').
    """

    table: pd.DataFrame
    cost_bps: float
    alpha: float
    n_trials: int
    annualisation: str

    @cached_property
    def sentences(self) -> pd.Series:
        """One plain sentence per horizon."""
        return self.table["verdict"]

    def summary(self) -> pd.DataFrame:
        """The table for display: percent, bps and counts formatted with their units."""
        t = self.table
        out = pd.DataFrame(index=t.index)
        out["significant (HAC)"] = np.where(t["significant"], "yes", "no")
        out["IC mean"] = t["IC mean"].map("{:+.4f}".format)
        out["IC HAC p-value"] = t["IC HAC p-value"].map("{:.3g}".format)
        if self.n_trials > 1:
            out[f"p adjusted ({self.n_trials} trials)"] = t["IC HAC p-value adjusted"].map("{:.3g}".format)
        out["HAC lags"] = t["HAC lags"].map("{:d}".format)
        out["spread (bps/bar, 2x gross)"] = (t["spread per bar"] * 1e4).map("{:+.2f}".format)
        out["Sharpe gross"] = t["Sharpe gross"].map("{:+.2f}".format)
        out[f"Sharpe net @ {self.cost_bps:g} bps"] = t["Sharpe net"].map("{:+.2f}".format)
        out["break-even cost (bps)"] = t["break-even cost (bps)"].map("{:.1f}".format)
        out["turnover (%/bar)"] = (t["turnover per bar"] * 100).map("{:.1f}".format)
        out["deflated Sharpe"] = t["deflated Sharpe"].map("{:.2f}".format)
        return out

    def __str__(self) -> str:
        return "\n".join(f"{label}: {text}" for label, text in self.sentences.items())

    def _repr_html_(self) -> str:
        items = "".join(f"<li><b>{label}</b>: {text}</li>" for label, text in self.sentences.items())
        return (f"<div class='factorlab-verdict'><h3>Verdict</h3><ul>{items}</ul>"
                f"{self.summary().to_html()}<p><small>{self.annualisation}; HAC = Newey-West; "
                f"alpha {self.alpha:g}; {self.n_trials} trial(s).</small></p></div>")


def _sentence(label: str, row: pd.Series, cost_bps: float, alpha: float, n_trials: int) -> str:
    p = row["IC HAC p-value adjusted"]
    trials = f", adjusted for {n_trials} trials" if n_trials > 1 else ""
    if row["IC mean"] > LOOK_AHEAD_IC:  # the information check's threshold (it warns too)
        return (f"suspected look-ahead: IC {row['IC mean']:.2f} at {label} (no real factor predicts returns "
                "this well; check that the factor at t uses only data up to t).")
    if not np.isfinite(p):
        return f"not enough data to test the {label} IC."
    if not row["significant"]:
        return (f"no evidence that the factor predicts {label} returns: mean IC {row['IC mean']:+.4f}, "
                f"HAC p = {p:.2g}{trials} (>= {alpha:g}).")
    direction = "higher" if row["IC mean"] > 0 else "lower"
    text = (f"significant: higher factor values go with {direction} {label} returns (mean IC "
            f"{row['IC mean']:+.4f}, HAC p = {p:.2g}{trials}); the long-short sleeves earn a Sharpe of "
            f"{row['Sharpe gross']:.2f} before costs")
    be = row["break-even cost (bps)"]
    if cost_bps > 0:
        text += f", {row['Sharpe net']:.2f} net of {cost_bps:g} bps"
    if be == 0:
        text += ", and lose money before costs"
    elif np.isfinite(be):
        text += f"; costs above {be:.1f} bps per unit traded eat the edge"
    elif be == np.inf:
        text += f"; costs up to {BREAK_EVEN_CAP_BPS:,.0f} bps per unit traded do not eat the edge"
    return text + "."


def factor_verdict(fd: FactorData, *, long_short: bool = True, group_neutral: bool = False,
                   equal_weight: bool = False, cost_bps: float = 0.0, periods_per_year: float | None = None,
                   n_trials: int = 1, alpha: float = 0.05, lags: int | None = None, runs: dict | None = None,
                   ic: pd.DataFrame | None = None, mean_by_date: pd.DataFrame | None = None,
                   ic_table: pd.DataFrame | None = None) -> FactorVerdict:
    """Whether the factor works, per horizon: HAC-tested IC and spread, net Sharpe, break-even cost.

    Parameters
    ----------
    fd : FactorData
        From :func:`prepare_factor_data` (needs its prices).
    long_short, group_neutral, equal_weight : bool
        The factor portfolio's weights (:func:`factor_weights`) and whether
        quantile returns are demeaned.
    cost_bps : float, default 0
        Cost in bps of traded notional for the net Sharpe.
    periods_per_year : float, optional
        Bars per year; by default from the bar-frequency rule.
    n_trials : int, default 1
        Factors and parameter sets tried before this one (the registry counts
        them): p-values are Bonferroni-adjusted and the Sharpe deflated.
    alpha : float, default 0.05
        Significance level for the adjusted HAC p-value of the mean IC.
    lags : int, optional
        Newey-West lags instead of the rule.
    runs : dict, optional
        Runs of the same weights already made, to reuse: label ->
        ``(gross returns, turnover, net returns)`` (per-bar Series; net at
        ``cost_bps``), e.g. a tear sheet's.
    ic : pd.DataFrame, optional
        :func:`information_coefficient` of ``fd`` (no group adjustment), when
        already computed.
    mean_by_date : pd.DataFrame, optional
        :func:`mean_return_by_quantile` of ``fd`` by date with
        ``demeaned=long_short, group_adjust=group_neutral``, when already
        computed (its first element).
    ic_table : pd.DataFrame, optional
        :func:`ic_summary` of that IC with ``periods=fd.periods`` and these
        ``lags``, when already computed (a tear sheet's information table):
        its HAC tests are not fitted again. Give it with ``ic``.

    Returns
    -------
    FactorVerdict
        ``table`` columns: 'IC mean', 'IC HAC t-stat', 'IC HAC p-value',
        'IC HAC p-value adjusted', 'HAC lags', 'IC naive p-value',
        'significant', 'direction', 'spread per bar' (the top and bottom
        quantiles' mean returns as per-bar rates, differenced: long 1, short
        1, 2x gross; 0.0001 = 1 bps), 'spread HAC p-value' (of the per-date
        N-bar spread),
        'Sharpe gross', 'Sharpe net', 'mean return per bar gross',
        'return HAC p-value', 'break-even cost (bps)', 'turnover per bar'
        (traded notional / equity), 'deflated Sharpe', 'verdict'.
    """
    if not isinstance(fd, FactorData) or fd.prices is None:
        raise ParameterError("factor_verdict needs a FactorData built with prices (prepare_factor_data)")
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be in (0, 1), got {alpha!r}")
    if isinstance(n_trials, bool) or not isinstance(n_trials, (int, np.integer)) or n_trials < 1:
        raise ParameterError(f"n_trials must be an integer >= 1, got {n_trials!r}")
    if not (np.isfinite(cost_bps) and cost_bps >= 0):
        raise ParameterError(f"cost_bps must be a number >= 0, got {cost_bps!r}")
    freq = bar_frequency(fd.prices.index, periods_per_year=periods_per_year)
    ppy = freq.periods_per_year
    if ic_table is not None and ic is None:
        raise ParameterError("ic_table= is the ic_summary of ic=: give both (or neither)")
    if ic is None:
        ic = information_coefficient(fd)
    if ic_table is not None:
        if list(ic_table.index) != list(ic.columns) or "HAC p-value(IC)" not in ic_table.columns:
            raise ParameterError(f"ic_table must be ic_summary(ic) with one row per IC column {list(ic.columns)}, "
                                 f"got rows {list(ic_table.index)}")
        ics = ic_table
    else:
        ics = ic_summary(ic, periods=fd.periods, lags=lags)
    if mean_by_date is None:
        mean_by_date, _ = mean_return_by_quantile(fd, by_date=True, demeaned=long_short,
                                                  group_adjust=group_neutral)
    by_date = mean_by_date
    top, bottom = int(fd.n_quantiles), 1
    weights = factor_weights(fd, long_short=long_short, group_neutral=group_neutral, equal_weight=equal_weight)
    prices = fd.prices
    sleeves = {}  # period -> (gross per-bar returns, turnover, net returns)
    for n, label in zip(fd.periods, fd.labels):
        if runs is not None and label in runs:
            sleeves[n] = runs[label]
        else:
            gross = interleaved_returns(weights, prices, n, delay=fd.delay)
            net = (interleaved_returns(weights, prices, n, delay=fd.delay, cost_bps=cost_bps).returns
                   if cost_bps else gross.returns)
            sleeves[n] = (gross.returns, gross.turnover, net)
    # every period's break-even search in step: one preparation of the inputs, one pass per round of guesses
    break_even = break_even_costs(weights, prices, list(fd.periods), delay=fd.delay,
                                  runs={n: run[:2] for n, run in sleeves.items()})
    rows = {}
    for n, label in zip(fd.periods, fd.labels):
        q = by_date[label].unstack("factor_quantile")
        spread = (q[top] - q[bottom]) if top in q and bottom in q else pd.Series(dtype=float)
        spread_test = hac_mean_test(spread.rename(label), horizons=n, lags=lags).iloc[0]
        # the one spread convention: the top and bottom mean N-bar returns as per-bar rates, differenced
        bar = _label_ratio(label, fd.bar_label)
        per_bar = ((1 + q[top].mean()) ** (1 / bar) - (1 + q[bottom].mean()) ** (1 / bar)
                   if top in q and bottom in q else np.nan)
        r, turnover, net = sleeves[n]
        ret_test = hac_mean_test(r.rename(label), horizons=1, lags=lags).iloc[0]
        p = float(ics.loc[label, "HAC p-value(IC)"])
        p_adj = min(1.0, p * n_trials) if np.isfinite(p) else np.nan
        with np.errstate(invalid="ignore", divide="ignore"):
            sharpe = float(r.mean() / r.std() * np.sqrt(ppy))
            sharpe_net = float(net.mean() / net.std() * np.sqrt(ppy))
        rows[label] = {
            "IC mean": float(ics.loc[label, "IC Mean"]),
            "IC HAC t-stat": float(ics.loc[label, "HAC t-stat(IC)"]),
            "IC HAC p-value": p,
            "IC HAC p-value adjusted": p_adj,
            "HAC lags": int(ics.loc[label, "HAC lags"]),
            "IC naive p-value": float(ics.loc[label, "p-value(IC)"]),
            "significant": bool(np.isfinite(p_adj) and p_adj < alpha),
            "direction": "positive" if ics.loc[label, "IC Mean"] > 0 else "negative",
            "spread per bar": float(per_bar),
            "spread HAC p-value": float(spread_test["HAC p-value"]),
            "Sharpe gross": sharpe,
            "Sharpe net": sharpe_net,
            "mean return per bar gross": float(r.mean()),
            "return HAC p-value": float(ret_test["HAC p-value"]),
            "break-even cost (bps)": break_even[n],
            "turnover per bar": float(turnover.mean()),
            "deflated Sharpe": deflated_sharpe_ratio(net, n_trials),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "period"
    table["verdict"] = [_sentence(label, table.loc[label], float(cost_bps), alpha, int(n_trials))
                        for label in table.index]
    return FactorVerdict(table=table, cost_bps=float(cost_bps), alpha=float(alpha), n_trials=int(n_trials),
                         annualisation=freq.note)
