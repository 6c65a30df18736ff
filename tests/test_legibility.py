"""Charts people can read: on every figure of the factor tear sheet (with groups and by group) and of
the returns report, distinct ticks have distinct labels on numeric axes and no visible text extends past
the figure's edge."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

import factorlab as fl


def _defects(fig) -> list[str]:
    canvas = FigureCanvasAgg(fig)   # a canvas of its own: the public way to draw and measure
    canvas.draw()
    renderer = canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    hidden = set()   # tick labels of ticks outside the view are not drawn
    out = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            tol = 1e-9 * (abs(lo) + abs(hi) + 1)
            shown = {}
            for tick in axis.get_major_ticks():
                loc = tick.get_loc()
                if not lo - tol <= loc <= hi + tol:
                    hidden.update((id(tick.label1), id(tick.label2)))
                    continue
                text = tick.label1.get_text()
                if axis.get_scale() in ("linear", "log") and text and tick.label1.get_visible():
                    if text in shown and not np.isclose(shown[text], loc):
                        out.append(f"{ax.get_title()!r}: {axis.axis_name} ticks {shown[text]:g} and {loc:g} "
                                   f"both read {text!r}")
                    shown[text] = loc
    for text in fig.findobj(Text):
        if id(text) in hidden or not text.get_visible() or not text.get_text().strip():
            continue
        box = text.get_window_extent(renderer)
        if box.x0 < -1 or box.y0 < -1 or box.x1 > width + 1 or box.y1 > height + 1:
            out.append(f"text {text.get_text()[:50]!r} extends past the figure's edge")
    return out


@pytest.fixture(scope="module")
def sample():
    return fl.load_sample()


@pytest.mark.parametrize("font_size", [10.0, 13.0])
def test_every_tear_sheet_figure_is_legible(sample, font_size):
    """At matplotlib's default font and with a larger style font (the charts and their margins grow with
    it: at 13 points titles, legends and labels were cut at the figure's edge)."""
    prices = sample.prices
    with warnings.catch_warnings(), plt.rc_context({"font.size": font_size}):
        warnings.simplefilter("ignore")
        ts = fl.create_full_tear_sheet(-(prices / prices.shift(5) - 1), prices, groupby=sample.sectors,
                                       by_group=True, benchmark=sample.benchmark)
        defects = {name: _defects(ts.figures[name]) for name in ts.figures}
        sizes = {name: tuple(ts.figures[name].get_size_inches()) for name in ts.figures}
    assert len(defects) >= 12
    assert {k: v for k, v in defects.items() if v} == {}
    assert sizes["ic_ts"] == pytest.approx((8.0 * font_size / 10.0, 3.4 * font_size / 10.0))


@pytest.mark.parametrize("font_size", [10.0, 13.0])
def test_every_returns_report_figure_is_legible(sample, font_size):
    returns = sample.prices.pct_change().mean(axis=1).iloc[1:]
    with warnings.catch_warnings(), plt.rc_context({"font.size": font_size}):
        warnings.simplefilter("ignore")
        rep = fl.create_returns_tear_sheet(returns, benchmark=sample.benchmark)
        names = list(rep.figures)
        defects = {name: _defects(rep.figures[name]) for name in names}
    assert len(names) >= 8
    assert {k: v for k, v in defects.items() if v} == {}
