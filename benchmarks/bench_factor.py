"""Factor analytics speed: factorlab vs alphalens-reloaded, side by side in one run.

The workload (the issue's acceptance list): prepare factor data, information
coefficient, mean return by quantile by date, factor returns, alpha/beta,
turnover of every quantile for every period, and factor rank autocorrelation,
on all 471 stocks x 1,440 days of ../shared/data, periods 1, 5, 10.
Prints times, peak traced memory and the ratio; the time of the tear sheet's
event study and IC decay (factorlab alone); then times factorlab alone on a
10x larger synthetic panel to show linear scaling.

Times are best-of-N wall clock and, less disturbed by other jobs on a shared
machine, CPU time of this process (best of 3 on the real panel, best of 2 on
the large one, 1 run of Alphalens).

Run: python benchmarks/bench_factor.py [--skip-alphalens]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import measure, measure_times, real_prices, reversal, synthetic_prices  # noqa: E402

import factorlab as fl  # noqa: E402

PERIODS = (1, 5, 10)



def run_factorlab(factor, prices):
    fd = fl.prepare_factor_data(factor, prices, periods=PERIODS, quantiles=5)
    fl.information_coefficient(fd)
    fl.mean_return_by_quantile(fd, by_date=True)
    fl.factor_returns(fd)
    fl.factor_alpha_beta(fd)
    for period in PERIODS:
        for q in range(1, fd.n_quantiles + 1):
            fl.quantile_turnover(fd, q, period)
        fl.factor_rank_autocorrelation(fd, period)
    return fd


def run_alphalens(factor, prices):
    import alphalens as al

    fd = al.utils.get_clean_factor_and_forward_returns(factor, prices, periods=PERIODS, quantiles=5,
                                                       filter_zscore=None)
    al.performance.factor_information_coefficient(fd)
    al.performance.mean_return_by_quantile(fd, by_date=True)
    al.performance.factor_returns(fd)
    al.performance.factor_alpha_beta(fd)
    for period in PERIODS:
        for q in range(1, 6):
            al.performance.quantile_turnover(fd["factor_quantile"], q, period)
        al.performance.factor_rank_autocorrelation(fd, period)
    return fd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-alphalens", action="store_true", help="time factorlab only")
    args = parser.parse_args()

    prices = real_prices()
    factor = reversal(prices)
    cells = prices.shape[0] * prices.shape[1]
    t_fl, c_fl, m_fl = measure_times(lambda: run_factorlab(factor, prices), repeat=3)
    print(f"real panel {prices.shape[1]} assets x {prices.shape[0]} bars, periods {PERIODS}")
    print(f"  factorlab : {t_fl:8.3f} s   (CPU {c_fl:.3f} s)   peak {m_fl:8.1f} MiB")
    if not args.skip_alphalens:
        t_al, c_al, m_al = measure_times(lambda: run_alphalens(factor, prices), repeat=1)
        print(f"  alphalens : {t_al:8.3f} s   (CPU {c_al:.3f} s)   peak {m_al:8.1f} MiB")
        print(f"  speed-up  : {t_al / t_fl:8.1f}x wall, {c_al / c_fl:.1f}x CPU (target >= 50x)   "
              f"memory ratio factorlab/alphalens {m_fl / m_al:.2f} (target <= 1)")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fd = fl.prepare_factor_data(factor, prices, periods=PERIODS, quantiles=5)
    t_ev, _ = measure(lambda: fl.average_cumulative_return_by_quantile(fd, periods_before=10, periods_after=15),
                      repeat=3)
    t_decay, _ = measure(lambda: fl.ic_decay(fd), repeat=3)
    print(f"  tear-sheet extras (factorlab, target <= 0.15 s each): event study {t_ev:.3f} s, "
          f"IC decay {t_decay:.3f} s")

    big = synthetic_prices(3400, 2000)
    big_factor = reversal(big)
    big_cells = big.shape[0] * big.shape[1]
    t_big, c_big, m_big = measure_times(lambda: run_factorlab(big_factor, big), repeat=2)
    print(f"synthetic panel {big.shape[1]} assets x {big.shape[0]} bars ({big_cells / cells:.1f}x the cells)")
    print(f"  factorlab : {t_big:8.3f} s   (CPU {c_big:.3f} s)   peak {m_big:8.1f} MiB")
    print(f"  scaling   : time x{t_big / t_fl:.1f} wall, x{c_big / c_fl:.1f} CPU for cells "
          f"x{big_cells / cells:.1f} (per-cell time ratio {(t_big / big_cells) / (t_fl / cells):.2f} wall, "
          f"{(c_big / big_cells) / (c_fl / cells):.2f} CPU; 1.0 = linear)")


if __name__ == "__main__":
    main()
