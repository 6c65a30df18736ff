"""The one chart pipeline: Chart recipes, the lazy Figures mapping, images written by savefig."""

from __future__ import annotations

import base64
import io
from functools import partial

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from factorlab import errors
from factorlab.plotting import PNG_OPTIONS, Chart, Figures, figure_to_data_uri, render_figure


def _line(values, title, ax):
    ax.plot(pd.date_range("2024-01-01", periods=len(values), freq="D"), values, label="x")
    ax.set_title(title)
    ax.legend(loc="upper left")


def _panels(values, ax):
    for k, a in enumerate(ax):
        a.plot(values * (k + 1))
        a.set_title(f"panel {k}")
        a.set_ylabel("value")


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


def test_a_chart_is_a_new_plain_figure_each_time(rng):
    chart = Chart(partial(_line, rng.normal(size=50).cumsum(), "one"), size=(5.0, 2.0))
    one, two = chart.figure(), chart.figure()
    assert one is not two and tuple(one.get_size_inches()) == (5.0, 2.0)
    assert [ax.get_title() for ax in one.axes] == ["one"]
    np.testing.assert_array_equal(one.axes[0].lines[0].get_ydata(), two.axes[0].lines[0].get_ydata())
    import matplotlib.pyplot as plt

    assert plt.get_fignums() == []  # not registered with pyplot: freed when dropped


def test_shared_y_panels_keep_only_the_outer_labels(rng):
    chart = Chart(partial(_panels, rng.normal(size=30)), size=(9, 3), grid=(1, 3), sharey=True)
    fig = chart.figure()
    first, *inner = fig.axes
    assert first.get_ylabel() == "value" and all(ax.get_ylabel() == "" for ax in inner)
    assert all(ax.get_ylim() == first.get_ylim() for ax in inner)
    assert not any(label.get_visible() and label.get_text() for ax in inner for label in ax.get_yticklabels())


@pytest.mark.parametrize("image_format", ["png", "svg"])
def test_images_are_what_savefig_writes(rng, image_format):
    fig = Chart(partial(_line, rng.normal(size=40), "z")).figure()
    data = render_figure(fig, image_format, dpi=60)
    buffer = io.BytesIO()
    extra = {"pil_kwargs": PNG_OPTIONS} if image_format == "png" else {"metadata": {"Date": None}}
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "factorlab"}):
        fig.savefig(buffer, format=image_format, dpi=60, **extra)
    assert data == buffer.getvalue()
    uri = figure_to_data_uri(fig, image_format, dpi=60, tight=False)
    assert base64.b64decode(uri.split(",", 1)[1]) == data
    with pytest.raises(errors.ParameterError, match="image_format"):
        render_figure(fig, "jpg")
    with pytest.raises(errors.ParameterError, match="dpi"):
        render_figure(fig, dpi=0)


def test_titles_sit_on_top_as_the_automatic_placement_puts_them_and_a_user_titley_is_kept(rng):
    import matplotlib

    from factorlab.plotting._style import fixed_margins

    values = rng.normal(size=60).cumsum()

    def draw(ax):
        _line(values, "a title", ax)
        ax.set_xlabel("x")

    chart = Chart(draw)
    fixed = render_figure(chart.figure(), dpi=60)
    auto = Figure(figsize=chart.size)  # built with matplotlib's automatic title placement
    fixed_margins(auto)
    draw(auto.subplots())
    assert matplotlib.rcParams["axes.titley"] is None
    from PIL import Image

    pixels = [np.asarray(Image.open(io.BytesIO(png))) for png in (fixed, render_figure(auto, dpi=60))]
    assert np.array_equal(*pixels)
    with matplotlib.rc_context({"axes.titley": 1.2}):
        assert chart.figure().axes[0].title.get_position()[1] == 1.2


def test_period_linestyles_distinct_then_cycled():
    from factorlab.plotting._style import period_linestyles

    styles = period_linestyles(9)
    assert styles[:3] == ["-", "--", ":"]
    assert len({str(s) for s in styles[:7]}) == 7  # seven periods: seven distinct styles
    assert styles[7:] == styles[:2]  # then cycled
    assert period_linestyles(0) == []


def test_long_short_growth_spanning_many_fold_is_on_a_log_axis_with_ticks_over_the_range(sp500_prices):
    """A 1D line at thousands of times its start does not flatten 5D and 21D: log axis, 1-2-5 / decade ticks
    from the lowest line to the highest."""
    import warnings

    import factorlab as fl

    p = sp500_prices
    factor = -(p / p.shift(1) - 1) + 0.5 * (p.shift(-1) / p - 1)  # part look-ahead: a steep 1D line
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ts = fl.create_factor_returns_tear_sheet(factor, p, periods=(1, 5, 21))
    ax = ts.figures["cumulative_long_short"].axes[0]
    assert ax.get_yscale() == "log" and "(log scale)" in ax.get_title()
    lo, hi = ax.get_ylim()
    ticks = [t for t in ax.get_yticks() if lo <= t <= hi]
    assert ticks[0] <= 2 and ticks[-1] >= hi / 10  # labelled ticks at both ends of the range
    assert len(ticks) <= 12
