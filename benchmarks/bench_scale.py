"""Scale: the full tear sheet + to_html on big panels, in units of this machine's own argsort pass.

Two cases, each run in a fresh Python process (so its peak RSS is its own):

* ``daily``: 3,000 assets x 5,000 business days, synthetic random walks with
  listings (a third of the names list after the start), delistings (a
  third stop trading before the end) and bankruptcies (1% end at price 0);
* ``minute``: 50 assets x 130,000 one-minute bars of a 24/7 market.

Each child builds its panel, times one row-wise ``np.argsort`` of it (the
unit: the issue's budget is 10 passes for the tear sheet and its HTML), runs
a small tear sheet first (2,000 bars x 40 assets: the libraries imported on
first use are imported once per session, not per panel; its time is printed
on its own), then runs ``create_full_tear_sheet`` (5-bar reversal factor) and
``to_html`` (every figure rendered to PNG) on the whole panel. Prints wall and CPU time, the time in argsort
passes, the peak RSS of the process (``ru_maxrss``, which includes building
the panel) and the RSS before the tear sheet. Budget (issue 20): at most 10
passes and 1.5 GiB peak RSS. Then, after the peak is printed, four parts the
tear sheet requires, each in passes: ``to_html`` (rendering), the factor data
(``prepare_factor_data``), the exact quantile and long-short sleeves of every
period, and the IC at the decay's default horizons (1, 2, 3, 5, 10, 15, 20
bars and the periods; the last three computed again, warm, the latter two on
the tear sheet's factor data).

Timings on a shared machine move with its load: the load average is printed
and CPU time is given next to wall time. On a virtual machine whose host backs
memory lazily, the first touch of memory the machine has not used since it
started can be far dearer than a later one (on the machine these figures were
measured on: about 3 ms per MiB against 0.2, several seconds over a tear
sheet's 1.4 GiB peak); a fresh process first prints the cost of filling new
memory and memory just freed, so a cold machine can be told from a warm one.

Run: MPLBACKEND=Agg python benchmarks/bench_scale.py [--case daily|minute|all]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

CASES = {"daily": (5_000, 3_000, (1, 5, 10)), "minute": (130_000, 50, (1, 15, 60))}


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _current_rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def panel(case: str, seed: int = 7) -> pd.DataFrame:
    """The case's price panel (float64), with listings, delistings and bankruptcies for 'daily'."""
    n_bars, n_assets, _ = CASES[case]
    rng = np.random.default_rng(seed)
    if case == "daily":
        index = pd.bdate_range("2000-01-03", periods=n_bars, name="date")
        vol = 0.015
    else:
        index = pd.date_range("2024-01-01", periods=n_bars, freq="min", name="date")
        vol = 0.0008
    values = rng.standard_normal((n_bars, n_assets), dtype=np.float64)
    values *= vol
    np.cumsum(values, axis=0, out=values)
    np.exp(values, out=values)
    values *= 50.0
    if case == "daily":
        third = n_assets // 3
        start = rng.integers(1, n_bars // 2, size=third)
        for j, s in enumerate(start):  # late listings
            values[:s, j] = np.nan
        end = rng.integers(n_bars // 2, n_bars - 1, size=third)
        for j, e in zip(range(third, 2 * third), end):  # delistings
            values[e:, j] = np.nan
        for j in rng.choice(n_assets, size=n_assets // 100, replace=False):  # bankruptcies
            last = np.flatnonzero(~np.isnan(values[:, j]))[-1]
            cut = max(1, last - int(rng.integers(1, 200)))
            values[cut, j] = 0.0
            values[cut + 1:, j] = np.nan
    columns = pd.Index([f"S{i:05d}" for i in range(n_assets)], name="asset")
    return pd.DataFrame(values, index=index, columns=columns, copy=False)


def touch_cost(mib: int = 512) -> None:
    """Print the time to fill ``mib`` MiB of new memory, then the same again after freeing it (ms/MiB)."""
    times = []
    for _ in range(2):
        t0 = time.perf_counter()
        block = np.empty(mib * 2**20 // 8)
        block.fill(1.0)
        times.append((time.perf_counter() - t0) * 1e3 / mib)
        del block
    print(f"filling {mib} MiB of new memory: {times[0]:.2f} ms/MiB; again after freeing it: {times[1]:.2f} ms/MiB",
          flush=True)


def child(case: str) -> None:
    import factorlab as fl

    prices = panel(case)
    a = prices.to_numpy()
    best, best_cpu = np.inf, np.inf
    for _ in range(3):
        c0, t0 = time.process_time(), time.perf_counter()
        np.argsort(a, axis=1)
        best, best_cpu = min(best, time.perf_counter() - t0), min(best_cpu, time.process_time() - c0)
    factor = -(prices / prices.shift(5) - 1)
    periods = CASES[case][2]
    fl.set_progress(False)
    # the libraries the tear sheet imports on first use (scipy.stats, statsmodels, matplotlib's backend):
    # once per session, not a cost of the panel's size; timed and printed on their own
    small = prices.iloc[:2_000, :40]
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        fl.create_full_tear_sheet(factor.loc[small.index, small.columns], small,
                                  periods=periods).to_html(Path(tmp) / "warm-up.html")
        warm = time.perf_counter() - t0
    rss_before = _current_rss_mib()
    with tempfile.TemporaryDirectory() as tmp:
        c0, t0 = time.process_time(), time.perf_counter()
        ts = fl.create_full_tear_sheet(factor, prices, periods=periods)
        t_sheet = time.perf_counter() - t0
        ts.to_html(Path(tmp) / "tearsheet.html")
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    n_bars, n_assets, _ = CASES[case]
    print(f"{case}: {n_assets:,} assets x {n_bars:,} bars, periods {periods}")
    print(f"  one row-wise argsort of the panel (best of 3): {best:.3f} s wall, {best_cpu:.3f} s CPU")
    print(f"  warm-up: the tear sheet and to_html of 2,000 bars x 40 assets, first imports included: {warm:.1f} s "
          "(not in the figures below)")
    print(f"  create_full_tear_sheet {t_sheet:.1f} s; with to_html {wall:.1f} s wall, {cpu:.1f} s CPU "
          f"= {wall / best:.1f} argsort passes (wall / wall), {cpu / best_cpu:.1f} (CPU / CPU)  [budget 10]")
    print(f"  peak RSS {_rss_mib() / 1024:.3f} GiB (RSS before the tear sheet {rss_before / 1024:.2f} GiB; "
          f"the price panel {a.nbytes / 2**30:.2f} GiB)  [budget 1.5 GiB]", flush=True)
    # after the peak is printed: four parts the tear sheet requires, timed again on their own
    fd = ts.analysis.fd
    parts = {"to_html (every figure rendered, the page written)": wall - t_sheet}
    del ts
    for name, fn in (("the factor data: forward returns, alignment, quantiles (prepare_factor_data)",
                      lambda: fl.prepare_factor_data(factor, prices, periods=periods)),
                     ("exact quantile and long-short sleeves, every period (quantile_interleaved_returns)",
                      lambda: fl.quantile_interleaved_returns(fd)),
                     ("IC at the decay's horizons: 1, 2, 3, 5, 10, 15, 20 bars and the periods (ic_decay)",
                      lambda: fl.ic_decay(fd))):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the data-quality warnings the tear sheet gave already
            t0 = time.perf_counter()
            fn()
            parts[name] = time.perf_counter() - t0
    for name, t in parts.items():
        print(f"  part: {name}: {t:.2f} s = {t / best:.1f} passes")
    print(f"  these parts alone: {sum(parts.values()) / best:.1f} passes", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=[*CASES, "all"], default="all")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--touch", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.case)
        return
    if args.touch:
        touch_cost()
        return
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    env = {**os.environ, "MPLBACKEND": "Agg", "FACTORLAB_PROGRESS": "0"}
    print(subprocess.run([sys.executable, __file__, "--touch"], env=env, text=True, capture_output=True,
                         check=True).stdout, end="")
    for case in (CASES if args.case == "all" else [args.case]):
        out = subprocess.run([sys.executable, __file__, "--case", case, "--child"], env=env, text=True,
                             capture_output=True, check=False)
        print(out.stdout, end="")
        if out.returncode:
            print(f"{case}: failed (exit {out.returncode})\n{out.stderr[-3000:]}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
