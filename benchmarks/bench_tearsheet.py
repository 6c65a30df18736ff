"""Full factor tear sheet speed: factorlab vs alphalens-reloaded, side by side in one run.

Both sides start from the factor and prices (471 stocks x 1,440 days of
../shared/data, periods 1, 5, 10), compute everything and render every figure
to PNG. Prints times, peak traced memory and the ratio (target >= 15x).

factorlab's side is what a user runs: ``create_full_tear_sheet`` then
``to_html`` (every chart drawn on its own new Figure and written by
``Figure.savefig`` to PNG, embedded; the notebook display renders the same
images). Alphalens' side is its full tear sheet with every figure rendered
to PNG as Jupyter's inline backend does when Alphalens calls ``plt.show()``.

Run: MPLBACKEND=Agg python benchmarks/bench_tearsheet.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import measure, real_prices, reversal

import factorlab as fl

PERIODS = (1, 5, 10)


def run_factorlab(factor, prices, out: Path):
    ts = fl.create_full_tear_sheet(factor, prices, periods=PERIODS)
    ts.to_html(out)  # every figure rendered to PNG, in one HTML file
    return len(ts.figures)


def run_alphalens(factor, prices):
    """Alphalens' full tear sheet with each figure rendered as Jupyter's inline backend does on ``plt.show()``.

    Alphalens calls ``plt.show()`` and closes each figure right after it; in
    Jupyter, ``show`` renders every open figure to PNG (IPython's
    ``print_figure``: the figure's dpi, ``bbox_inches='tight'``). Outside
    Jupyter (Agg) ``show`` renders nothing, so it is replaced here by that
    rendering.
    """
    import alphalens as al
    from IPython.core.pylabtools import print_figure

    rendered = []

    def show(*_args, **_kwargs):
        for num in plt.get_fignums():
            data = print_figure(plt.figure(num), "png")
            if data:
                rendered.append(len(data))

    fd = al.utils.get_clean_factor_and_forward_returns(factor, prices, periods=PERIODS, filter_zscore=None)
    original = plt.show
    plt.show = show
    try:
        al.tears.create_full_tear_sheet(fd)
    finally:
        plt.show = original
        plt.close("all")
    return len(rendered)


def with_cpu_time(fn, log: list):
    """``fn`` that also appends its CPU time (s) to ``log`` (less sensitive than wall time to other load)."""
    def run():
        start = time.process_time()
        out = fn()
        log.append(time.process_time() - start)
        return out
    return run


def main() -> None:
    prices = real_prices()
    factor = reversal(prices)
    cpu_fl, cpu_al = [], []
    load = os.getloadavg()[0]
    out = Path(tempfile.mkdtemp()) / "tear_sheet.html"
    t_fl, m_fl = measure(with_cpu_time(lambda: run_factorlab(factor, prices, out), cpu_fl), repeat=3)
    print(f"full tear sheet, {prices.shape[1]} assets x {prices.shape[0]} bars, periods {PERIODS}, "
          f"every figure rendered to PNG (factorlab: to_html, {out.stat().st_size / 2**20:.1f} MiB)")
    c_fl = min(cpu_fl[:-1])  # the last run is the traced one (for peak memory)
    print(f"  factorlab : {t_fl:8.2f} s   cpu {c_fl:7.2f} s   peak {m_fl:8.1f} MiB   (load {load:.1f})")
    load = os.getloadavg()[0]
    t_al, m_al = measure(with_cpu_time(lambda: run_alphalens(factor, prices), cpu_al), repeat=1)
    c_al = min(cpu_al[:-1])
    print(f"  alphalens : {t_al:8.2f} s   cpu {c_al:7.2f} s   peak {m_al:8.1f} MiB   (load {load:.1f})")
    print(f"  speed-up  : {t_al / t_fl:8.1f}x wall, {c_al / c_fl:.1f}x cpu (target >= 15x)   "
          f"memory ratio factorlab/alphalens {m_fl / m_al:.2f} (target <= 1)")

if __name__ == "__main__":
    main()
