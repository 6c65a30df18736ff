"""Screening speed: fl.screen of 100 factors vs alphalens-reloaded one factor at a time.

factorlab: ``fl.screen`` of 100 factors (momentum and reversal over 1..40
bars, trailing volatility over 5..44 bars, 20 seeded noise factors) on all 471
stocks x 1,440 days of ../shared/data, periods 1, 5, 10, quintiles, costs
10 bps: forward returns once, then per factor the HAC-tested IC, the spread,
gross and net Sharpe of the interleaved sleeves (6 exact simulations),
turnover, rank autocorrelation, and the correlations between factors.

alphalens-reloaded, per factor (3 of them, measured in the same run):
``get_clean_factor_and_forward_returns`` + ``factor_information_coefficient``
+ ``mean_return_by_quantile`` (by date) + ``factor_returns``.

Both sides are timed with their libraries already imported: Alphalens
imports scipy and statsmodels when it is imported (before its timing); the
screen imports them on first use, so a one-factor screen of a short slice
runs first (its time, imports included, is printed on its own).

Then, on the same 3 factors, the six exact sleeve simulations alone that the
table's 'Sharpe gross' and 'Sharpe net' need (periods 1, 5, 10 at 0 and
10 bps, as the screen runs them: one preparation, one loop over the bars),
printed per factor next to the 100x budget (alphalens-reloaded's time / 100).

Prints per-factor wall and CPU time of each side and their ratio, the load
average before and after (the machine is shared: CPU time is the figure
other jobs disturb least), and the CPU time of the whole run.

Run: python benchmarks/bench_screen.py [--factors 100] [--skip-alphalens]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import real_prices  # noqa: E402

import factorlab as fl  # noqa: E402

PERIODS = (1, 5, 10)


def candidate_factors(prices, n: int) -> dict:
    """``n`` factors: momentum, reversal, volatility over several windows, and noise (seeded)."""
    out = {}
    rng = np.random.default_rng(0)
    k = 1
    while len(out) < n:
        out[f"momentum {k}"] = prices.pct_change(k, fill_method=None)
        if len(out) < n:
            out[f"low volatility {k + 4}"] = -prices.pct_change(fill_method=None).rolling(k + 4).std()
        if len(out) < n and k % 2 == 0:
            noise = rng.standard_normal(prices.shape)
            out[f"noise {k // 2}"] = prices * 0 + noise
        k += 1
    return out


def timed(fn):
    c0, t0 = time.process_time(), time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def run_alphalens(factors: dict, prices) -> tuple[float, float]:
    import alphalens as al

    walls, cpus = [], []
    for name, f in factors.items():
        series = f.stack().dropna()
        series.index.names = ["date", "asset"]

        def one():
            fd = al.utils.get_clean_factor_and_forward_returns(series, prices, periods=PERIODS, quantiles=5,
                                                               max_loss=1.0)
            al.performance.factor_information_coefficient(fd)
            al.performance.mean_return_by_quantile(fd, by_date=True)
            al.performance.factor_returns(fd)

        _, wall, cpu = timed(one)
        print(f"  alphalens {name:<22} {wall:7.2f} s wall  {cpu:7.2f} s CPU", flush=True)
        walls.append(wall)
        cpus.append(cpu)
    return float(np.mean(walls)), float(np.mean(cpus))


def sleeves_alone(factors: dict, prices) -> tuple[float, float]:
    """Mean wall and CPU time per factor of the sleeves behind 'Sharpe gross' and 'Sharpe net' alone
    (factor weights given): the exact simulations of every period at 0 and 10 bps, as the screen runs them."""
    from factorlab.portfolio._interleaved_quantiles import interleaved_periods_at_costs

    walls, cpus = [], []
    for f in factors.values():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fd = fl.prepare_factor_data(f, prices, periods=PERIODS, quantiles=5)
        w = fl.factor_weights(fd)
        _, wall, cpu = timed(lambda w=w: interleaved_periods_at_costs(w, prices, PERIODS, (0.0, 10.0)))
        walls.append(wall)
        cpus.append(cpu)
    return float(np.mean(walls)), float(np.mean(cpus))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", type=int, default=100)
    parser.add_argument("--skip-alphalens", action="store_true")
    args = parser.parse_args()
    cpu_start = time.process_time()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} CPUs)")
    prices = real_prices()
    factors = candidate_factors(prices, args.factors)
    print(f"panel {prices.shape[0]} bars x {prices.shape[1]} assets; {len(factors)} factors; periods {PERIODS}")

    first = next(iter(factors))
    _, warm, _ = timed(lambda: fl.screen({first: factors[first].iloc[:300]}, prices.iloc[:300], periods=PERIODS,
                                         quantiles=5, cost_bps=10, progress=False))
    print(f"warm-up: a one-factor screen of 300 bars, imports included: {warm:.2f} s (not in the figures below)")
    res, wall, cpu = timed(lambda: fl.screen(factors, prices, periods=PERIODS, quantiles=5, cost_bps=10,
                                             progress=False))
    n = len(factors)
    print(f"fl.screen       {n} factors: {wall:8.2f} s wall {cpu:8.2f} s CPU  -> per factor "
          f"{wall / n:.3f} s wall, {cpu / n:.3f} s CPU")
    print(f"  rows {len(res.table)}; significant after Holm at 5%: {len(res.significant(0.05))}")
    if not args.skip_alphalens:
        three = {name: factors[name] for name in list(factors)[:3]}
        al_wall, al_cpu = run_alphalens(three, prices)
        print(f"alphalens-reloaded per factor (mean of 3): {al_wall:.2f} s wall, {al_cpu:.2f} s CPU")
        print(f"per-factor ratio alphalens / fl.screen: {al_wall / (wall / n):.1f}x wall, "
              f"{al_cpu / (cpu / n):.1f}x CPU (target >= 100x)")
        s_wall, s_cpu = sleeves_alone(three, prices)
        print(f"the six exact sleeve simulations alone (same 3 factors): {s_wall * 1e3:.0f} ms wall, "
              f"{s_cpu * 1e3:.0f} ms CPU per factor; the 100x budget is {al_wall * 10:.0f} ms wall, "
              f"{al_cpu * 10:.0f} ms CPU per factor for the whole row")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"CPU time of this run {time.process_time() - cpu_start:.1f} s")


if __name__ == "__main__":
    main()
