"""Turnover and event-study charts: the drawn artists carry the input values."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import factorlab.plotting as flp
from factorlab.errors import ParameterError

DATES = pd.bdate_range("2021-01-04", periods=25, name="date")


def _labelled(ax, prefix: str = "") -> list:
    return [line for line in ax.lines if not line.get_label().startswith("_")
            and line.get_label().startswith(prefix)]


# ------------------------------------------------------------------ turnover
def test_top_bottom_turnover_lines_equal_columns(rng):
    turnover = pd.DataFrame(rng.uniform(0, 1, (len(DATES), 2)), index=DATES,
                            columns=["top quantile", "bottom quantile"])
    ax = flp.plot_top_bottom_quantile_turnover(turnover, period="5D")
    lines = _labelled(ax)
    assert [l.get_label() for l in lines] == ["top quantile", "bottom quantile"]
    for line, column in zip(lines, turnover.columns):
        np.testing.assert_allclose(line.get_ydata(), turnover[column].to_numpy())
        np.testing.assert_array_equal(pd.DatetimeIndex(line.get_xdata()), DATES)
    assert ax.get_title() == "5D Period Top and Bottom Quantile Turnover"
    assert "Proportion" in ax.get_ylabel()


def test_top_bottom_turnover_picks_extreme_quantiles_of_full_table(rng):
    turnover = pd.DataFrame(rng.uniform(0, 1, (len(DATES), 5)), index=DATES, columns=[1, 2, 3, 4, 5])
    ax = flp.plot_top_bottom_quantile_turnover(turnover)
    top, bottom = _labelled(ax)
    assert top.get_label() == "top quantile turnover"
    np.testing.assert_allclose(top.get_ydata(), turnover[5].to_numpy())
    np.testing.assert_allclose(bottom.get_ydata(), turnover[1].to_numpy())


def test_rank_autocorrelation_line_and_mean_in_title(rng):
    autocorr = pd.Series(rng.uniform(0.8, 1.0, len(DATES)), index=DATES, name="1D")
    autocorr.iloc[0] = np.nan
    ax = flp.plot_factor_rank_autocorrelation(autocorr, mean=float(autocorr.mean()))
    (line,) = _labelled(ax)
    np.testing.assert_allclose(line.get_ydata(), autocorr.to_numpy())
    assert f"mean {autocorr.mean():.3f}" in ax.get_title()
    assert ax.get_title().startswith("1D Period Factor Rank Autocorrelation")
    assert ax.get_ylabel() == "Autocorrelation Coefficient"


def test_rank_autocorrelation_given_mean_and_period(rng):
    autocorr = pd.Series(rng.uniform(0.8, 1.0, len(DATES)), index=DATES)
    ax = flp.plot_factor_rank_autocorrelation(autocorr, period="5D", mean=0.5)
    assert ax.get_title() == "5D Period Factor Rank Autocorrelation (mean 0.500)"
    with pytest.raises(ParameterError, match="mean must be a number"):
        flp.plot_factor_rank_autocorrelation(autocorr, mean=[0.5])


# -------------------------------------------------------------------- events
@pytest.fixture
def avg_cum() -> pd.DataFrame:
    offsets = range(-2, 4)
    rows = {}
    for q in (1, 2, 3):
        rows[(q, "mean")] = [(q - 2) * 1e-4 * k for k in offsets]
        rows[(q, "std")] = [1e-4 * (abs(k) + 1) for k in offsets]
    frame = pd.DataFrame(rows).T
    frame.columns = list(offsets)
    frame.index.names = ["factor_quantile", None]
    return frame


def test_average_cumulative_return_lines_in_bps(avg_cum):
    fig, ax = plt.subplots()
    out = flp.plot_quantile_average_cumulative_return(avg_cum, ax=ax)
    assert out is ax
    lines = _labelled(ax, "Quantile")
    assert [l.get_label() for l in lines] == ["Quantile 1", "Quantile 2", "Quantile 3"]
    for line, q in zip(lines, (1, 2, 3)):
        np.testing.assert_allclose(line.get_xdata(), np.arange(-2, 4))
        np.testing.assert_allclose(line.get_ydata(), avg_cum.loc[(q, "mean")].to_numpy() * 1e4)
    event_line = [l for l in ax.lines if l.get_label() == "_reference"][0]
    assert list(event_line.get_xdata()) == [0, 0]
    assert ax.get_ylabel() == "Mean Return (bps)" and "bps" in ax.get_title()
    assert len(ax.collections) == 0  # no error bars unless asked


def test_average_cumulative_return_std_bars_in_bps(avg_cum):
    ax = flp.plot_quantile_average_cumulative_return(avg_cum, std_bar=True)
    assert len(ax.collections) == 3  # one error-bar collection per quantile
    segments = ax.collections[0].get_segments()
    half = np.array([(s[1, 1] - s[0, 1]) / 2 for s in segments])
    np.testing.assert_allclose(half, avg_cum.loc[(1, "std")].to_numpy() * 1e4)


def test_average_cumulative_return_by_quantile_is_a_figure(avg_cum):
    fig = flp.plot_quantile_average_cumulative_return_by_quantile(avg_cum, std_bar=True)
    assert isinstance(fig, Figure)
    axes = [a for a in fig.axes if a.get_visible()]
    assert [a.get_title() for a in axes] == ["Quantile 1", "Quantile 2", "Quantile 3"]
    for ax, q in zip(axes, (1, 2, 3)):
        (line,) = _labelled(ax, "Quantile")
        np.testing.assert_allclose(line.get_ydata(), avg_cum.loc[(q, "mean")].to_numpy() * 1e4)
        assert ax.get_ylabel() == "Mean Return (bps)"
    same = flp.plot_quantile_average_cumulative_return_by_quantile(avg_cum, ncols=3)
    assert len(same.axes) == 3


def test_average_cumulative_return_bad_layouts(avg_cum):
    import inspect

    # one axes per call, always an Axes: the per-quantile panels are their own (figure-level) function
    assert "by_quantile" not in inspect.signature(flp.plot_quantile_average_cumulative_return).parameters
    means_only = avg_cum.xs("mean", level=1, drop_level=False)
    flp.plot_quantile_average_cumulative_return(means_only)  # std rows are optional ...
    with pytest.raises(ParameterError, match="needs 'std' rows"):  # ... unless std bars are asked for
        flp.plot_quantile_average_cumulative_return(means_only, std_bar=True)
    flat = avg_cum.reset_index(drop=True)
    with pytest.raises(ParameterError, match="MultiIndex"):
        flp.plot_quantile_average_cumulative_return(flat)
    relabelled = avg_cum.rename(index={"std": "sd"})
    with pytest.raises(ParameterError, match="'mean', 'std'"):
        flp.plot_quantile_average_cumulative_return(relabelled)
    text_cols = avg_cum.set_axis([f"t{c}" for c in avg_cum.columns], axis=1)
    with pytest.raises(ParameterError, match="numeric offsets"):
        flp.plot_quantile_average_cumulative_return(text_cols)
    negative = avg_cum.copy()
    negative.loc[(1, "std")] = -1.0
    with pytest.raises(ParameterError, match=">= 0"):
        flp.plot_quantile_average_cumulative_return(negative, std_bar=True)
