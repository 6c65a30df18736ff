"""Returns-report charts: the drawn artists carry the precomputed values."""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection, QuadMesh

from factorlab import metrics as mt
from factorlab.errors import InvalidIndexError, ParameterError
from factorlab.plotting import _performance as pp


def _xnum(values) -> np.ndarray:
    return mdates.date2num(pd.DatetimeIndex(values).to_numpy())


@pytest.fixture
def returns(rng) -> pd.Series:
    idx = pd.bdate_range("2018-01-02", periods=600, name="date")
    return pd.Series(rng.normal(0.0004, 0.012, len(idx)), idx, name="strategy")


@pytest.fixture
def bench(rng, returns) -> pd.Series:
    return pd.Series(rng.normal(0.0003, 0.01, len(returns)), returns.index, name="benchmark")


def _spans(ax) -> list:
    """The shaded drawdown spans (``axvspan``: a Rectangle in matplotlib >= 3.9, a Polygon before)."""
    return [p for p in ax.patches if p.get_label().startswith("drawdown")]


def _span_x(span) -> tuple[float, float]:
    """x extent (data units) of an ``axvspan`` patch, whatever its class."""
    x = span.get_patch_transform().transform(span.get_path().vertices)[:, 0]
    return float(x.min()), float(x.max())


# ------------------------------------------------------------------ heatmap
def test_heatmap_cells_are_monthly_returns(returns):
    table = mt.monthly_returns_table(returns.iloc[40:])  # January 2018 missing -> a white cell
    ax = pp.plot_monthly_heatmap(table)
    meshes = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert len(meshes) == 1
    cells = meshes[0].get_array()
    assert cells.shape == table.shape
    np.testing.assert_allclose(np.ma.filled(cells, np.nan), table.to_numpy(), equal_nan=True)
    assert bool(np.ma.getmaskarray(cells)[0, 0])  # NaN month is masked (drawn white)
    (labels,) = [a for a in ax.artists if isinstance(a, pp.CellLabels)]
    texts, centres = labels.get_texts(), labels.get_positions()
    assert len(texts) == int(table.notna().sum().sum())
    # each label sits in the centre of its cell and reads that month's return in percent
    for text, (x, y) in zip(texts, centres):
        row, col = int(y - 0.5), int(x - 0.5)
        assert (x - col, y - row) == (0.5, 0.5)
        assert text == f"{table.iat[row, col] * 100:.1f}"
    assert texts[0] == f"{table.to_numpy()[np.isfinite(table.to_numpy())][0] * 100:.1f}"
    # white text where the drawn cell is dark (relative luminance of its colour below 0.5)
    rgba = meshes[0].to_rgba(np.array([table.iat[int(y - 0.5), int(x - 0.5)] for x, y in centres]))
    dark = 0.2126 * rgba[:, 0] + 0.7152 * rgba[:, 1] + 0.0722 * rgba[:, 2] < 0.5
    assert 0 < dark.sum() < len(dark)
    assert labels.get_colors() == ["white" if d else "black" for d in dark]
    assert [t.get_text() for t in ax.get_yticklabels()] == [str(y) for y in table.index]
    assert [t.get_text() for t in ax.get_xticklabels()][:2] == ["Jan", "Feb"]


def test_cell_labels_draw_like_one_text_per_cell(returns):
    """The one-artist labels render exactly as separate centred ax.text() artists would."""
    import io

    from matplotlib.figure import Figure

    table = mt.monthly_returns_table(returns)
    svgs = []
    for separate in (False, True):
        fig = Figure(figsize=(8, 3))
        ax = fig.add_subplot()
        pp.plot_monthly_heatmap(table, ax=ax, annotate=not separate)
        if separate:
            mesh = ax.collections[0]
            for (i, j), value in np.ndenumerate(table.to_numpy()):
                if np.isfinite(value):
                    r, g, b, _ = mesh.to_rgba(value)
                    text = f"{value * 100:.1f}"
                    ax.text(j + 0.5, i + 0.5, "0.0" if text == "-0.0" else text, ha="center", va="center",
                            fontsize=7, color="white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5 else "black")
        buffer = io.StringIO()
        with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "test"}):  # text as <text>, fixed ids
            fig.savefig(buffer, format="svg", metadata={"Date": None})
        svgs.append(buffer.getvalue())
    assert svgs[0].count("<text") > table.notna().sum().sum()
    assert svgs[0] == svgs[1]


def test_heatmap_colours_are_centred_on_zero(returns):
    table = mt.monthly_returns_table(returns)
    mesh = next(c for c in pp.plot_monthly_heatmap(table, annotate=False).collections
                if isinstance(c, QuadMesh))
    assert mesh.norm.vmin == pytest.approx(-mesh.norm.vmax)
    assert mesh.norm.vmax == pytest.approx(np.nanmax(np.abs(table.to_numpy())))


# ------------------------------------------------------------------- annual
def test_annual_bars_are_annual_returns_with_mean_line(returns):
    annual = mt.annual_returns(returns)
    ax = pp.plot_annual_returns(annual, mean=float(annual.mean()))
    (bars,) = ax.containers
    assert bars.get_label() == "annual return"
    np.testing.assert_allclose([b.get_height() for b in bars], annual.to_numpy())
    mean_line = next(line for line in ax.lines if line.get_label() == "mean")
    assert mean_line.get_linestyle() == ":"
    np.testing.assert_allclose(mean_line.get_ydata(), annual.mean())
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(y) for y in annual.index]


def test_annual_without_mean_draws_no_mean_line(returns):
    ax = pp.plot_annual_returns(mt.annual_returns(returns))
    assert not [line for line in ax.lines if line.get_label() == "mean"]


# ---------------------------------------------------------------- drawdowns
def test_drawdown_spans_are_top_drawdowns(returns):
    table = mt.drawdown_table(returns, top=5)
    ax = pp.plot_drawdown_periods(mt.cumulative_returns(returns), table)
    spans = _spans(ax)
    assert [s.get_label() for s in spans] == [f"drawdown {k}" for k in range(1, len(table) + 1)]
    ends = table["recovery"].fillna(returns.index[-1])
    for span, peak, end in zip(spans, table["peak"], ends):
        x0, x1 = _span_x(span)
        assert x0 == pytest.approx(_xnum([peak])[0])
        assert x1 == pytest.approx(_xnum([end])[0])
    assert len({s.get_facecolor() for s in spans}) == len(spans)  # one colour each
    (line,) = [ln for ln in ax.lines if ln.get_label() == "strategy"]
    np.testing.assert_allclose(line.get_ydata(), mt.cumulative_returns(returns).to_numpy())


def test_unrecovered_drawdown_span_ends_at_last_bar():
    idx = pd.bdate_range("2020-01-01", periods=6)
    r = pd.Series([0.01, -0.05, 0.01, 0.0, -0.02, 0.01], idx)
    table = mt.drawdown_table(r)
    assert table["recovery"].isna().all()
    span = _spans(pp.plot_drawdown_periods(mt.cumulative_returns(r), table))[0]
    assert _span_x(span)[1] == pytest.approx(_xnum([idx[-1]])[0])


def test_underwater_area_and_spans(returns):
    uw = mt.underwater(returns)
    table = mt.drawdown_table(returns, top=3)
    ax = pp.plot_underwater(uw, table)
    (area,) = [c for c in ax.collections if isinstance(c, PolyCollection) and c.get_label() == "underwater"]
    ys = area.get_paths()[0].vertices[:, 1]
    assert ys.min() == pytest.approx(uw.min())
    assert len(_spans(ax)) == 3


def test_drawdown_table_without_columns_is_rejected(returns):
    with pytest.raises(ParameterError, match="peak"):
        pp.plot_drawdown_periods(mt.cumulative_returns(returns), pd.DataFrame({"depth": [-0.1]}))


# ----------------------------------------------------------- daily / lines
def test_daily_bars_split_profitable_and_unprofitable(returns):
    r = returns.copy()
    r.iloc[5] = np.nan
    ax = pp.plot_daily_returns(r)
    groups = {ln.get_label(): ln for ln in ax.lines if not ln.get_label().startswith("_")}
    assert set(groups) == {"profitable", "unprofitable"}
    tops = {}
    for label, line in groups.items():
        xs, ys = line.get_xdata().reshape(-1, 3), line.get_ydata().reshape(-1, 3)
        np.testing.assert_array_equal(ys[:, 0], 0.0)              # each bar starts at 0
        assert np.isnan(ys[:, 2]).all() and np.isnan(xs[:, 2]).all()  # and is a separate segment
        np.testing.assert_array_equal(xs[:, 0], xs[:, 1])         # vertical
        tops[label] = ys[:, 1]
    np.testing.assert_allclose(np.sort(tops["profitable"]), np.sort(r[r > 0].to_numpy()))
    np.testing.assert_allclose(np.sort(tops["unprofitable"]), np.sort(r[r <= 0].to_numpy()))
    assert len(tops["profitable"]) + len(tops["unprofitable"]) == r.notna().sum()
    assert groups["profitable"].get_color() != groups["unprofitable"].get_color()


def test_cumulative_vs_benchmark_lines(returns, bench):
    cum, bcum = mt.cumulative_returns(returns), mt.cumulative_returns(bench)
    ax = pp.plot_cumulative_vs_benchmark(cum, bcum)
    lines = {ln.get_label(): ln for ln in ax.lines}
    np.testing.assert_allclose(lines["strategy"].get_ydata(), cum.to_numpy())
    np.testing.assert_allclose(lines["benchmark"].get_ydata(), bcum.to_numpy())
    np.testing.assert_allclose(lines["strategy"].get_xdata(), _xnum(cum.index))
    log_ax = pp.plot_cumulative_vs_benchmark(cum, bcum, logy=True)
    assert log_ax.get_yscale() == "log"
    np.testing.assert_allclose({ln.get_label(): ln for ln in log_ax.lines}["strategy"].get_ydata(),
                               1 + cum.to_numpy())


def test_log_scale_rejects_total_loss():
    idx = pd.bdate_range("2020-01-01", periods=3)
    with pytest.raises(ParameterError, match="log scale"):
        pp.plot_cumulative_vs_benchmark(pd.Series([0.0, -1.0, -1.0], idx), logy=True)


def test_rolling_lines_one_per_window(returns, bench):
    frame = pd.DataFrame({f"{m} months": mt.rolling_beta(returns, bench, m, periods_per_year=252)
                          for m in (6, 12)})
    ax = pp.plot_rolling_beta(frame)
    lines = [ln for ln in ax.lines if not ln.get_label().startswith("_")]
    assert [ln.get_label() for ln in lines] == ["6 months", "12 months"]
    np.testing.assert_allclose(lines[1].get_ydata(), frame["12 months"].to_numpy(), equal_nan=True)
    assert lines[0].get_color() != lines[1].get_color()
    sharpe = pd.DataFrame({"6 months": mt.rolling_sharpe(returns, 6, periods_per_year=252)})
    assert pp.plot_rolling_sharpe(sharpe).get_title(loc="left") == "Rolling Sharpe ratio"


def test_exposure_and_leverage(returns):
    exp = pd.DataFrame({"long": 0.6, "short": -0.4, "net": 0.2, "gross": 1.0}, index=returns.index)
    ax = pp.plot_exposure(exp)
    labels = {c.get_label() for c in ax.collections if isinstance(c, PolyCollection)}
    assert labels == {"long", "short"}
    net = next(ln for ln in ax.lines if ln.get_label() == "net")
    np.testing.assert_allclose(net.get_ydata(), 0.2)
    lev = pp.plot_leverage(exp["gross"])
    np.testing.assert_allclose(next(ln for ln in lev.lines if ln.get_label() == "leverage").get_ydata(), 1.0)
    with pytest.raises(ParameterError, match="long"):
        pp.plot_exposure(exp[["net"]])


def test_histograms_draw_the_given_counts(returns, rng):
    from factorlab.report._tearsheet import _histogram

    hist = _histogram(returns, 30)
    counts, edges = np.histogram(returns, bins=30)
    np.testing.assert_array_equal(hist.to_numpy(), counts)
    ax = pp.plot_return_distribution(hist)
    (step,) = [p for p in ax.patches if p.get_label() == "histogram"]
    np.testing.assert_array_equal(step.get_data().values, counts)
    np.testing.assert_allclose(step.get_data().edges, edges)
    assert step.get_data().values.sum() == len(returns)
    trades = pd.Series(rng.normal(0, 0.03, 77))
    ax = pp.plot_returns_per_trade(_histogram(trades, 40))
    (step,) = [p for p in ax.patches if p.get_label() == "histogram"]
    assert step.get_data().values.sum() == 77
    assert ax.get_title(loc="left") == "Returns per trade" and ax.get_ylabel() == "trades"


def test_crisis_event_panel(returns, bench):
    cum, bcum = mt.cumulative_returns(returns.iloc[:30]), mt.cumulative_returns(bench.iloc[:30])
    ax = pp.plot_crisis_event(cum, bcum, title="Flash Crash 2010")
    assert ax.get_title(loc="left") == "Flash Crash 2010"
    labels = [ln.get_label() for ln in ax.lines if not ln.get_label().startswith("_")]
    assert labels == ["strategy", "benchmark"]
    assert ax.get_legend() is None


# ------------------------------------------------------------------ contract
@pytest.mark.parametrize("name", ["daily", "cum", "uw", "lev"])
def test_series_charts_need_a_datetime_index(name):
    data = pd.Series([0.01, -0.02, 0.03])
    fn = {"daily": pp.plot_daily_returns, "cum": pp.plot_cumulative_vs_benchmark,
          "uw": pp.plot_underwater, "lev": pp.plot_leverage}[name]
    with pytest.raises(InvalidIndexError, match="DatetimeIndex"):
        fn(data)


def test_bad_inputs_raise_parameter_error(returns):
    with pytest.raises(ParameterError, match="Series"):
        pp.plot_daily_returns([0.01, 0.02])
    with pytest.raises(ParameterError, match="empty"):
        pp.plot_annual_returns(pd.Series([], dtype=float))
    with pytest.raises(ParameterError, match="colormap"):
        pp.plot_monthly_heatmap(mt.monthly_returns_table(returns), cmap="no-such-map")
    with pytest.raises(ParameterError, match="ax"):
        pp.plot_daily_returns(returns, ax="not an axes")
    with pytest.raises(ParameterError, match="IntervalIndex"):
        pp.plot_return_distribution(returns)  # raw returns: the counts come from the analysis layer


def test_draws_on_given_axes_without_mutation_or_global_state(returns):
    before = returns.copy()
    rc = dict(plt.rcParams)
    _fig, ax = plt.subplots()
    n_figs = len(plt.get_fignums())
    assert pp.plot_daily_returns(returns, ax=ax) is ax
    assert pp.plot_underwater(mt.underwater(returns), ax=ax) is ax
    assert len(plt.get_fignums()) == n_figs
    pd.testing.assert_series_equal(returns, before)
    assert dict(plt.rcParams) == rc


def test_style_overrides_reach_the_artists(returns):
    annual = mt.annual_returns(returns)
    ax = pp.plot_annual_returns(annual, color="black")
    assert ax.containers[0][0].get_facecolor()[:3] == (0.0, 0.0, 0.0)


def test_annual_returns_of_19_years_have_labels_that_do_not_overlap():
    import matplotlib.pyplot as plt

    from factorlab.plotting import plot_annual_returns

    years = pd.Series(np.linspace(-0.2, 0.3, 19), index=range(2000, 2019))
    fig, ax = plt.subplots(figsize=(6.0, 3.0))
    plot_annual_returns(years, benchmark=years * 0.5, ax=ax)
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in ax.get_xticklabels() if t.get_text()]
    assert 2 <= len(boxes) < 19 and all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:]))
    ticks = set(ax.get_xticks()) | set(ax.get_xticks(minor=True))  # minor ticks under labels are hidden
    assert len(ticks) == 19  # every year keeps its tick
    plt.close(fig)
