"""Tear-sheet chart recipes: lazy Figures mapping, reused canvases draw what fresh figures draw."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from factorlab import errors
from factorlab.plotting import figure_to_png_bytes
from factorlab.tears._charts import Canvases, Chart, Figures


def _line(values, title, ax):
    ax.plot(pd.date_range("2024-01-01", periods=len(values), freq="D"), values, label="x")
    ax.set_title(title)
    ax.legend(loc="upper left")


def _restyled(ax):
    ax.bar(["a", "b", "c"], [1.0, -2.0, 0.5])
    ax.tick_params(length=0, labelsize=6)
    for label in ax.get_xticklabels():
        label.set_rotation(45)
    ax.grid(True, axis="y")
    ax.set_title("bars")


def _panels(values, ax):
    for k, a in enumerate(ax):
        a.plot(values * (k + 1))
        a.set_title(f"panel {k}")


def test_figures_are_built_on_first_access_and_kept():
    calls = []
    chart = Chart(lambda ax: calls.append(ax) or ax.plot([1, 2, 3]))
    figs = Figures()
    figs["a"] = chart
    ready = Figure()
    figs["b"] = ready
    assert calls == [] and list(figs) == ["a", "b"] and len(figs) == 2 and "a" in figs
    assert figs.entry("a") is chart
    first = figs["a"]
    assert isinstance(first, Figure) and len(calls) == 1
    assert figs["a"] is first and figs.entry("a") is first and len(calls) == 1
    assert figs["b"] is ready
    del figs["b"]
    assert list(figs) == ["a"]
    with pytest.raises(errors.ParameterError, match="figure 'c' must be a matplotlib Figure"):
        figs["c"] = [1, 2]


def test_reused_canvas_images_equal_fresh_figures(rng):
    charts = [
        Chart(_restyled, kind="bars", restyles_ticks=True),
        Chart(partial(_line, rng.normal(size=50).cumsum(), "one"), kind="line"),
        Chart(partial(_line, rng.normal(size=80).cumsum() * 100, "two"), kind="line"),
        Chart(_restyled, kind="bars", restyles_ticks=True),
        Chart(partial(_panels, rng.normal(size=30)), size=(9, 3), grid=(1, 3), kind="panels"),
        Chart(partial(_line, rng.normal(size=20), "three"), kind="line"),
        Chart(partial(_panels, rng.normal(size=40) * 10), size=(9, 3), grid=(1, 3), kind="panels"),
    ]
    canvases = Canvases()
    reused = [figure_to_png_bytes(canvases.draw(c), dpi=50, tight=False) for c in charts]
    assert len(canvases._held) == 2  # one figure per size and grid
    fresh = [figure_to_png_bytes(c.figure(), dpi=50, tight=False) for c in charts]
    for k, (a, b) in enumerate(zip(reused, fresh)):
        assert a == b, k
    canvases.clear()
    assert not canvases._held


def _with_twin(values, ax):
    ax.plot(values)
    ax.twinx().plot(values[::-1], color="red")


def test_a_chart_that_adds_axes_is_not_drawn_on_again(rng):
    twin = Chart(partial(_with_twin, rng.normal(size=30)), kind="twin")
    plain = Chart(partial(_line, rng.normal(size=40), "after"), kind="line")
    canvases = Canvases()
    first = canvases.draw(plain)
    assert canvases.draw(twin) is first and len(first.axes) == 2  # drawn on the reused figure ...
    assert not canvases._held  # ... which is then dropped
    after = canvases.draw(plain)
    assert after is not first and len(after.axes) == 1
    assert figure_to_png_bytes(after, dpi=50, tight=False) == figure_to_png_bytes(plain.figure(), dpi=50,
                                                                                   tight=False)
    assert len(canvases.draw(twin).axes) == 2 and not canvases._held


def test_fresh_figures_follow_zoom_and_canvases_do_not():
    from matplotlib.ticker import FixedLocator

    chart = Chart(partial(_line, np.arange(30.0), "z"))
    fig = chart.figure()
    ax = fig.axes[0]
    assert isinstance(ax.xaxis.get_major_locator(), FixedLocator)
    ax.set_xlim(*ax.get_xlim())
    assert not isinstance(ax.xaxis.get_major_locator(), FixedLocator)  # live ticks back
    canvas_ax = Canvases().draw(chart).axes[0]
    canvas_ax.set_xlim(*canvas_ax.get_xlim())
    assert isinstance(canvas_ax.xaxis.get_major_locator(), FixedLocator)  # no callback piles up on reuse
