"""Benchmark: full returns tear sheet rendered to HTML, factorlab vs quantstats.reports.html.

Both libraries get the same 10 years (2,520 bars) of synthetic daily strategy
and benchmark returns (seeded), side by side in one run; each writes a
self-contained HTML file. Prints the wall times and the ratios: factorlab in one process, and with
``workers=2`` (charts rendered by this process and a forked helper); then the
CPU time of the single-process runs, which other load on the machine moves
much less than the wall time (best of ``--repeat`` runs each).

    python benchmarks/bench_report.py [--repeat 3] [--real] [--workers 2]

``--real`` uses AAPL vs the S&P 500 index from ../shared/data instead
(1,439 bars, 2015-2020).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import tempfile
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd

from factorlab.report import create_returns_tear_sheet

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def synthetic(bars: int = 2520, seed: int = 0) -> tuple[pd.Series, pd.Series]:
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2010-01-04", periods=bars)
    bench = pd.Series(rng.normal(0.0004, 0.011, bars), idx, name="benchmark")
    strat = pd.Series(0.8 * bench.to_numpy() + rng.normal(0.0002, 0.008, bars), idx, name="strategy")
    return strat, bench


def real() -> tuple[pd.Series, pd.Series]:
    prices = pd.read_parquet(SHARED / "sp500_close_2015_2020.parquet", columns=["AAPL"])["AAPL"]
    spx = pd.read_parquet(SHARED / "spx_index_2015_2020.parquet")["SPX"]
    return prices.pct_change().dropna().rename("AAPL"), spx.pct_change().dropna().rename("SPX")


def run_factorlab(strat: pd.Series, bench: pd.Series, out: Path, workers: int = 1) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process)."""
    start, cpu = time.perf_counter(), time.process_time()
    create_returns_tear_sheet(strat, bench, periods_per_year=252, workers=workers).to_html(out)
    return time.perf_counter() - start, time.process_time() - cpu


def run_quantstats(strat: pd.Series, bench: pd.Series, out: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process)."""
    import quantstats as qs

    start, cpu = time.perf_counter(), time.process_time()
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        qs.reports.html(strat, benchmark=bench, output=str(out), title="strategy")
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each library (best is kept)")
    parser.add_argument("--real", action="store_true", help="AAPL vs SPX from ../shared/data")
    parser.add_argument("--workers", type=int, default=2,
                        help="processes for the parallel factorlab run (default 2)")
    args = parser.parse_args()
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    strat, bench = real() if args.real else synthetic()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # warm-up: imports and font caches of both libraries, not timed
        run_factorlab(strat.iloc[:300], bench.iloc[:300], tmp / "warm_fl.html")
        run_quantstats(strat.iloc[:300], bench.iloc[:300], tmp / "warm_qs.html")
        times: dict[str, list[tuple[float, float]]] = {"fl": [], "qs": [], "flp": []}
        for _ in range(args.repeat):  # interleaved, so a busy machine slows all three alike
            times["fl"].append(run_factorlab(strat, bench, tmp / "factorlab.html"))
            times["qs"].append(run_quantstats(strat, bench, tmp / "quantstats.html"))
            times["flp"].append(run_factorlab(strat, bench, tmp / "factorlab_p.html", args.workers))
        fl, qs, flp = (min(wall for wall, _cpu in times[k]) for k in ("fl", "qs", "flp"))
        fl_cpu, qs_cpu = (min(cpu for _wall, cpu in times[k]) for k in ("fl", "qs"))
        sizes = ((tmp / "factorlab.html").stat().st_size, (tmp / "quantstats.html").stat().st_size)
    print(f"returns tear sheet to HTML, {len(strat):,} daily bars with benchmark "
          f"({strat.index[0]:%Y-%m-%d} .. {strat.index[-1]:%Y-%m-%d})")
    print(f"  quantstats reports.html                            : {qs:7.2f} s  ({sizes[1] / 1e6:.1f} MB)")
    print(f"  factorlab  create_returns_tear_sheet(...).to_html    : {fl:7.2f} s  ({sizes[0] / 1e6:.1f} MB)"
          f"  speed-up {qs / fl:.1f}x")
    print(f"  factorlab  same, workers={args.workers} (forked renderers)       : {flp:7.2f} s"
          f"  speed-up {qs / flp:.1f}x  (target >= 5x; {os.cpu_count()} CPUs)")
    print(f"  CPU time of this process (less sensitive to other load), single process: quantstats "
          f"{qs_cpu:.2f} s, factorlab {fl_cpu:.2f} s, ratio {qs_cpu / fl_cpu:.1f}x; "
          f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
