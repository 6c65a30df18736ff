"""Returns tear sheet: composition of metrics, input checks, crisis events, HTML templates."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from factorlab import metrics as mt
from factorlab.errors import (
    AlignmentError,
    EmptyDataError,
    InvalidIndexError,
    NonNumericDataError,
    ParameterError,
    UnsortedDatesError,
)
from factorlab.report import (
    CRISIS_EVENTS,
    KPI_KEYS,
    PLOT_NAMES,
    TEMPLATE_KEYS,
    ReturnsTearSheet,
    create_returns_tear_sheet,
    crisis_windows,
)
from factorlab.report._html import build_context

PPY = 252


@pytest.fixture
def daily(rng) -> tuple[pd.Series, pd.Series]:
    """Three years of synthetic daily strategy and benchmark returns (2010-2012)."""
    idx = pd.bdate_range("2010-01-04", "2012-12-31", name="date")
    bench = pd.Series(rng.normal(0.0003, 0.011, len(idx)), idx, name="SPX")
    strat = pd.Series(0.7 * bench.to_numpy() + rng.normal(0.0002, 0.007, len(idx)), idx, name="alpha")
    return strat, bench


@pytest.fixture
def sheet(daily) -> ReturnsTearSheet:
    strat, bench = daily
    return create_returns_tear_sheet(strat, bench, periods_per_year=PPY, parameters={"lookback": 20})


@pytest.fixture(scope="module")
def spx_stock(spx, sp500_prices) -> tuple[pd.Series, pd.Series]:
    """Real data: AAPL daily returns vs the S&P 500 index, 2015-01 .. 2020-09."""
    bench = spx.pct_change().dropna().rename("SPX")
    stock = sp500_prices["AAPL"].pct_change().dropna().rename("AAPL")
    return stock, bench


# ------------------------------------------------------------ crisis table
def test_crisis_table_is_the_reference_table():
    assert len(CRISIS_EVENTS) == 17
    first, last = CRISIS_EVENTS[0], CRISIS_EVENTS[-1]
    assert (first.name, first.start, first.end) == ("DotCom Bubble 2000", pd.Timestamp("2000-02-26"),
                                                    pd.Timestamp("2000-09-10"))
    assert last.name == "AI Boom 2022-Present" and last.end is None
    covid = next(e for e in CRISIS_EVENTS if e.name.startswith("COVID"))
    assert (covid.start, covid.end) == (pd.Timestamp("2020-02-10"), pd.Timestamp("2020-09-20"))
    assert all(e.end is None or e.start < e.end for e in CRISIS_EVENTS)


def test_crisis_windows_only_where_data_covers(daily):
    strat, bench = daily
    windows = crisis_windows(strat, bench)
    names = [w.event.name for w in windows]
    assert names == ["Global Financial Crisis 2007", "Flash Crash 2010", "Fukushima Meltdown 2011",
                     "U.S. Credit Downgrade 2011", "ECB IR Event 2012", "Recovery 2010-2012"]
    by_name = {w.event.name: w for w in windows}
    assert by_name["Global Financial Crisis 2007"].partial  # data starts in 2010
    assert not by_name["Recovery 2010-2012"].partial       # 2010-01-01 was a holiday
    flash = by_name["Flash Crash 2010"]
    assert (flash.first, flash.last) == (pd.Timestamp("2010-05-03"), pd.Timestamp("2010-05-21"))
    part = strat.loc["2010-05-01":"2010-05-22"]
    pd.testing.assert_series_equal(flash.cumulative, mt.cumulative_returns(part))
    assert flash.strategy_return == pytest.approx((1 + part).prod() - 1)
    assert flash.benchmark_return == pytest.approx((1 + bench.loc["2010-05-01":"2010-05-22"]).prod() - 1)


def test_crisis_windows_on_real_data(spx_stock):
    stock, bench = spx_stock
    windows = {w.event.name: w for w in crisis_windows(stock, bench)}
    assert {"Market Sell-Off 2015", "COVID-19 Pandemic 2020"} <= set(windows)
    assert windows["New Normal 2014-2019"].partial
    assert not windows["COVID-19 Pandemic 2020"].partial  # data ends 2020-09-22
    assert "DotCom Bubble 2000" not in windows and "AI Boom 2022-Present" not in windows


def test_crisis_present_event_runs_to_last_bar():
    idx = pd.bdate_range("2022-11-30", periods=40)
    windows = crisis_windows(pd.Series(0.001, idx))
    ai = next(w for w in windows if w.event.end is None)
    assert ai.last == idx[-1] and not ai.partial


# -------------------------------------------------------------- composition
def test_statistics_come_from_metrics(sheet, daily):
    strat, bench = daily
    expected = mt.summary_stats(strat, bench, periods_per_year=PPY)
    pd.testing.assert_series_equal(sheet.stats["strategy"], expected, check_names=False)
    assert sheet.kpi["sharpe"] == pytest.approx(mt.sharpe_ratio(strat, periods_per_year=PPY))
    assert sheet.stats.loc["beta", "benchmark"] == pytest.approx(1.0)
    pd.testing.assert_frame_equal(sheet.monthly_returns, mt.monthly_returns_table(strat))
    pd.testing.assert_frame_equal(sheet.drawdowns, mt.drawdown_table(strat, top=5))
    assert list(sheet.rolling_beta.columns) == ["6 months", "12 months"]
    pd.testing.assert_series_equal(sheet.rolling_sharpe["12 months"],
                                   mt.rolling_sharpe(strat, 12, periods_per_year=PPY), check_names=False)
    assert list(sheet.summary().columns) == ["strategy", "benchmark"]


def test_inputs_are_not_mutated(daily):
    strat, bench = daily
    s0, b0 = strat.copy(), bench.copy()
    create_returns_tear_sheet(strat, bench, periods_per_year=PPY).to_html()
    pd.testing.assert_series_equal(strat, s0)
    pd.testing.assert_series_equal(bench, b0)


def test_periods_per_year_inferred_silently(daily):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert create_returns_tear_sheet(daily[0]).periods_per_year == 252.0


def test_benchmark_partial_overlap_is_aligned(daily):
    strat, bench = daily
    sheet = create_returns_tear_sheet(strat, bench.iloc[100:], periods_per_year=PPY)
    assert sheet.benchmark.index.equals(strat.index)
    assert sheet.benchmark.iloc[:100].isna().all()


def test_positions_give_leverage_and_exposure(daily):
    strat = daily[0]
    pos = pd.DataFrame({"A": 150.0, "B": -50.0, "cash": 0.0}, index=strat.index)
    sheet = create_returns_tear_sheet(strat, positions=pos, periods_per_year=PPY)
    row = sheet.exposure.iloc[0]
    assert (row["long"], row["short"], row["net"], row["gross"]) == pytest.approx((1.5, -0.5, 1.0, 2.0))
    weights = pd.DataFrame({"A": 0.5, "B": -0.5}, index=strat.index[::5])  # no cash: weights, ffilled
    exp = create_returns_tear_sheet(strat, positions=weights, periods_per_year=PPY).exposure
    assert exp.index.equals(strat.index)
    assert exp["gross"].iloc[1:].eq(1.0).all()
    assert sheet.images["leverage"].startswith("data:image/png;base64,")  # the reports' default format


def test_trades_give_histogram_and_trades_per_day(daily, rng):
    strat = daily[0]
    trades = pd.DataFrame({"return": rng.normal(0, 0.02, 300)})
    sheet = create_returns_tear_sheet(strat, trades=trades, periods_per_year=PPY)
    assert len(sheet.trade_returns) == 300
    assert sheet.kpi["trades_per_day"] == pytest.approx(300 / mt.runtime_days(strat))
    assert sheet.images["returns_per_trade"] is not None
    assert "turnover" in sheet.summary().index


def test_notional_trades_give_turnover_with_capital(daily):
    strat = daily[0]
    trades = pd.DataFrame({"A": 0.0}, index=strat.index)
    trades.iloc[::21, 0] = 50_000.0
    sheet = create_returns_tear_sheet(strat, trades=trades, capital=1e6, periods_per_year=PPY)
    equity = mt.cumulative_returns(strat, starting_value=1e6)
    assert sheet.kpi["turnover"] == pytest.approx(mt.turnover(trades, equity, periods_per_year=PPY))
    assert sheet.trade_returns is None


def test_charts_not_applicable_are_none(daily):
    sheet = create_returns_tear_sheet(daily[0], periods_per_year=PPY)
    for name in ("rolling_beta", "leverage", "exposure", "returns_per_trade"):
        assert sheet.figure(name) is None
    assert isinstance(sheet.figure("monthly_heatmap"), Figure)
    with pytest.raises(ParameterError, match="unknown chart"):
        sheet.figure("pie")


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("bad, error, match", [
    ([0.01, 0.02], ParameterError, "Series"),
    (pd.Series([0.01, 0.02, 0.03]), InvalidIndexError, "DatetimeIndex"),
    (pd.Series(["a", "b"], pd.bdate_range("2020-01-01", periods=2)), NonNumericDataError, "numbers"),
    (pd.Series([0.01, 0.02], pd.DatetimeIndex(["2020-01-02", "2020-01-01"])), UnsortedDatesError, "sorted"),
    (pd.Series([0.01, np.nan], pd.bdate_range("2020-01-01", periods=2)), EmptyDataError, "at least 2"),
    (pd.Series([0.01, np.inf], pd.bdate_range("2020-01-01", periods=2)), ParameterError, "inf"),
])
def test_bad_returns(bad, error, match):
    with pytest.raises(error, match=match):
        create_returns_tear_sheet(bad)


def test_benchmark_errors(daily):
    strat = daily[0]
    later = pd.Series(0.001, pd.bdate_range("2015-01-01", periods=50))
    with pytest.raises(AlignmentError, match="shares 0 timestamp"):
        create_returns_tear_sheet(strat, later)
    with pytest.raises(AlignmentError, match="time zones"):
        create_returns_tear_sheet(strat, strat.tz_localize("UTC"))
    with pytest.raises(InvalidIndexError):
        create_returns_tear_sheet(strat, strat.reset_index(drop=True))


def test_option_errors(daily):
    strat = daily[0]
    with pytest.raises(ParameterError, match="dpi"):
        create_returns_tear_sheet(strat, dpi=0)
    with pytest.raises(ParameterError, match="capital"):
        create_returns_tear_sheet(strat, capital=-1)
    with pytest.raises(ParameterError, match="positions"):
        create_returns_tear_sheet(strat, positions=[1, 2])
    with pytest.raises(AlignmentError, match="positions"):
        create_returns_tear_sheet(strat, positions=pd.DataFrame({"A": [1.0]},
                                                                pd.DatetimeIndex(["1999-01-01"])))


# -------------------------------------------------------------------- HTML
def test_default_html_has_every_section_and_image(sheet, tmp_path):
    out = tmp_path / "report.html"
    html = sheet.to_html(out)
    assert out.read_text(encoding="utf-8") == html
    for section in ("kpi", "returns", "drawdowns", "rolling", "crisis", "statistics", "parameters"):
        assert f'id="{section}"' in html
    assert 'id="exposure"' not in html and 'id="trades"' not in html
    images = re.findall(r'<img [^>]*src="([^"]*)"', html)
    expected = sum(v is not None for v in sheet.images.values()) + len(sheet.crisis)
    assert len(images) == expected
    assert all(src.startswith("data:image/png;base64,") and len(src) > 1000 for src in images)
    assert "lookback" in html and "Flash Crash 2010" in html
    assert f"{sheet.kpi['sharpe']:.2f}" in html


def test_custom_template_string_uses_keys(sheet):
    template = ("<h1>{{ title }}</h1><p id='s'>{{ kpi.sharpe }}</p><p id='c'>{{ kpi.cagr }}</p>"
                "<img src='{{ plots.drawdown }}'>{% for e in crisis %}<i>{{ e.name }}</i>{% endfor %}"
                "{% for p in parameters %}<b>{{ p.key }}={{ p.value }}</b>{% endfor %}")
    html = sheet.to_html(template=template)
    assert f"<p id='s'>{sheet.kpi['sharpe']:.2f}</p>" in html
    assert f"<p id='c'>{sheet.kpi['cagr']:.2%}</p>" in html
    assert f"<img src='{sheet.images['drawdown']}'>" in html
    assert html.count("<i>") == len(sheet.crisis)
    assert "<b>lookback=20</b>" in html


def test_custom_template_and_css_files_replace_defaults(sheet, tmp_path):
    (tmp_path / "mine.html.j2").write_text(
        "<html><head><style>{{ css }}</style></head><body>"
        "{% include 'part.html.j2' %}{{ kpi.drawdown }}</body></html>", encoding="utf-8")
    (tmp_path / "part.html.j2").write_text("<div class='mine'>{{ kpi.psr }}</div>", encoding="utf-8")
    (tmp_path / "mine.css").write_text(".mine { color: hotpink; }", encoding="utf-8")
    html = sheet.to_html(tmp_path / "out.html", template=str(tmp_path / "mine.html.j2"),
                         css=tmp_path / "mine.css")
    assert ".mine { color: hotpink; }" in html and ".fl-report" not in html
    assert f"<div class='mine'>{sheet.kpi['psr']:.2%}</div>" in html
    assert f"{sheet.kpi['max_drawdown']:.2%}" in html
    assert "id=\"returns\"" not in html


def test_template_errors_are_clear(sheet, tmp_path):
    with pytest.raises(ParameterError, match="unknown key"):
        sheet.to_html(template="{{ kpi.no_such_statistic }}")
    with pytest.raises(ParameterError, match="syntax error"):
        sheet.to_html(template="{% for x in %}")
    with pytest.raises(ParameterError, match="template file not found"):
        sheet.to_html(template=str(tmp_path / "missing.html.j2"))
    with pytest.raises(ParameterError, match="css file not found"):
        sheet.to_html(css=str(tmp_path / "missing.css"))
    html = sheet.to_html(tmp_path / "no" / "dir" / "r.html")  # folders made, as for every report
    assert (tmp_path / "no" / "dir" / "r.html").read_text(encoding="utf-8") == html


def test_template_keys_are_documented(sheet):
    context = build_context(sheet, "")
    documented = {k.split(".")[0] for k in TEMPLATE_KEYS}
    assert set(context) <= documented
    assert {f"kpi.{k}" for k in context["kpi"]} <= set(TEMPLATE_KEYS)
    assert {f"plots.{k}" for k in context["plots"]} == {f"plots.{k}" for k in PLOT_NAMES}
    assert set(context["kpi"]) == set(KPI_KEYS)
    assert {"kpi.sharpe", "kpi.cagr", "plots.drawdown"} <= set(TEMPLATE_KEYS)


def test_values_are_escaped(daily):
    sheet = create_returns_tear_sheet(daily[0], title="<script>x</script>", periods_per_year=PPY,
                                      parameters={"a<b": "<i>"})
    html = sheet.to_html()
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html
    assert "a&lt;b" in html


def test_notebook_view(sheet):
    html = sheet._repr_html_()
    assert html.startswith("<style>") and 'class="fl-report"' in html
    assert "<html" not in html
    assert "ReturnsTearSheet" in repr(sheet)


def test_images_are_cached_and_figures_not_left_open(sheet):
    import matplotlib.pyplot as plt

    before = len(plt.get_fignums())
    first = sheet.images
    assert sheet.images is first
    assert len(plt.get_fignums()) == before
    assert set(first) == set(PLOT_NAMES)


def test_real_data_report(spx_stock, tmp_path):
    stock, bench = spx_stock
    sheet = create_returns_tear_sheet(stock, bench, periods_per_year=PPY, title="AAPL vs SPX")
    html = sheet.to_html(tmp_path / "aapl.html")
    assert "COVID-19 Pandemic 2020" in html and "Market Sell-Off 2015" in html
    assert 0.9 < sheet.kpi["beta"] < 1.5


def test_parallel_rendering_gives_the_same_images(daily):
    strat, bench = daily
    one = create_returns_tear_sheet(strat, bench, periods_per_year=PPY)
    two = create_returns_tear_sheet(strat, bench, periods_per_year=PPY, workers=2)
    assert one.images == two.images
    assert one.crisis_images == two.crisis_images
    with pytest.raises(ParameterError, match="workers"):
        create_returns_tear_sheet(strat, workers=0)


def test_png_images(daily):
    import base64

    sheet = create_returns_tear_sheet(daily[0], periods_per_year=PPY, image_format="png", dpi=50)
    uri = sheet.images["cumulative"]
    assert uri.startswith("data:image/png;base64,")
    assert base64.b64decode(uri.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert all(u.startswith("data:image/png") for u in sheet.crisis_images)
    with pytest.raises(ParameterError, match="image_format"):
        create_returns_tear_sheet(daily[0], image_format="jpg")


def test_svg_images_are_deterministic(daily):
    one = create_returns_tear_sheet(daily[0], periods_per_year=PPY, image_format="svg")
    two = create_returns_tear_sheet(daily[0], periods_per_year=PPY, image_format="svg")
    assert one.images["drawdown"] == two.images["drawdown"]


@pytest.mark.parametrize("image_format", ["png", "svg"])
def test_report_images_equal_savefig_of_fresh_figures(daily, rng, image_format):
    """Each chart and crisis image is what the one pipeline writes for a fresh Figure of that chart."""
    from factorlab.report import _figures

    strat, bench = daily
    pos = pd.DataFrame({"A": 60.0, "B": -40.0, "cash": 80.0}, index=strat.index)
    sheet = create_returns_tear_sheet(strat, bench, positions=pos, trades=pd.Series(rng.normal(0, 0.02, 50)),
                                      periods_per_year=PPY, image_format=image_format)
    for name in PLOT_NAMES:
        fig = _figures.build_figure(sheet, name)
        if fig is None:  # a chart that does not apply has no image either
            assert sheet.images[name] is None and name not in sheet.figures, name
            continue
        assert sheet.images[name] == _figures.figure_data_uri(fig, image_format, sheet.dpi), name
    assert len(sheet.crisis) >= 2
    for window, uri in zip(sheet.crisis, sheet.crisis_images):
        fresh = _figures.figure_data_uri(_figures.build_crisis_figure(window), image_format, sheet.dpi)
        assert uri == fresh, window.title


@pytest.mark.parametrize("bars, tz", [(3, None), (60, "America/New_York")])
def test_short_and_tz_aware_series_render(rng, bars, tz):
    idx = pd.bdate_range("2020-02-03", periods=bars, tz=tz)
    strat = pd.Series(rng.normal(0, 0.01, bars), idx)
    sheet = create_returns_tear_sheet(strat, strat * 0.5)
    html = sheet.to_html()
    assert sheet.images["rolling_sharpe"] is None and sheet.images["rolling_beta"] is None
    assert 'src="None"' not in html and "Not enough data" in html
    if bars == 60:
        assert [w.event.name for w in sheet.crisis] == ["COVID-19 Pandemic 2020", "Post-COVID Run-up 2020-2021"]


# ------------------------------------------------- the benchmark beside the strategy
def test_key_figures_show_the_benchmark_beside_the_strategy(sheet):
    strip = build_context(sheet, "")["kpis"]
    by_key = {item["key"]: item for item in strip}
    stats = sheet.stats["benchmark"]
    assert by_key["cagr"]["benchmark"] == f"SPX {stats['cagr']:.2%}"
    assert by_key["sharpe"]["benchmark"] == f"SPX {stats['sharpe']:,.2f}"
    assert by_key["drawdown"]["benchmark"] == f"SPX {stats['max_drawdown']:.2%}"
    assert by_key["beta"]["benchmark"] is None  # 1 by definition: not shown
    html = sheet.to_html()
    assert f"SPX {stats['total_return']:.2%}" in html
    assert "Information ratio (annualised)" in html
    assert "SPX (benchmark)" in html  # the statistics tables name the benchmark


def test_key_figures_without_benchmark_have_none(daily):
    strip = build_context(create_returns_tear_sheet(daily[0], periods_per_year=PPY), "")["kpis"]
    assert all(item["benchmark"] is None for item in strip)


def test_annual_bars_show_the_benchmark(sheet):
    ax = sheet.figure("annual_returns").axes[0]
    bars = {c.get_label(): [b.get_height() for b in c] for c in ax.containers}
    assert set(bars) == {"strategy", "SPX"}
    np.testing.assert_allclose(bars["strategy"], sheet.annual_returns["strategy"].to_numpy())
    np.testing.assert_allclose(bars["SPX"], sheet.annual_returns["benchmark"].to_numpy())


def test_distribution_shows_the_benchmark_on_the_same_bins(sheet):
    hist, bench = sheet.return_histogram, sheet.benchmark_histogram
    assert hist.index.equals(bench.index)
    finite = sheet.benchmark.dropna().to_numpy()
    edges = np.append(hist.index.left.to_numpy(), hist.index.right[-1])
    np.testing.assert_array_equal(bench.to_numpy(), np.histogram(finite, bins=edges)[0])
    assert bench.sum() == len(finite) and hist.sum() == sheet.returns.notna().sum()
    ax = sheet.figure("distribution").axes[0]
    steps = {p.get_label(): p for p in ax.patches if p.get_label() in ("strategy", "SPX")}
    np.testing.assert_array_equal(steps["SPX"].get_data().values, bench.to_numpy())


def test_log_scale_chart_is_drawn_and_readable(sheet):
    fig = sheet.figure("cumulative_log")
    assert fig is not None  # a strategy that never lost 100% gets its log chart
    ax = fig.axes[0]
    fig.canvas.draw()
    lo, hi = ax.get_ylim()
    ticks = [t for t in ax.get_yticks() if lo <= t <= hi]
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_visible() and t.get_text()]
    assert len(ticks) >= 3 and len(set(labels)) == len(labels) >= 3
    for tick, label in zip(ax.get_yticks(), ax.yaxis.get_major_formatter().format_ticks(ax.get_yticks())):
        assert label == ("0%" if abs(tick - 1) < 1e-12 else f"{tick - 1:+.0%}")


def test_cumulative_legends_sit_above_the_lines(sheet):
    """A legend inside the axes covered the curves (upper left, where equity lines start): the
    cumulative charts put theirs above the axes, right of the title."""
    for name in ("cumulative", "cumulative_log"):
        fig = sheet.figure(name)
        ax = fig.axes[0]
        fig.draw_without_rendering()
        legend = ax.get_legend().get_window_extent()
        frame = ax.get_window_extent()
        assert legend.y0 >= frame.y1 - 1, name
        assert legend.x1 <= fig.bbox.x1 + 1, name


def test_no_crisis_panel_before_the_first_trade():
    """A strategy in warmup through 2000 (returns exactly 0) gets no flat 'DotCom Bubble 2000' panel."""
    idx = pd.bdate_range("2000-01-03", "2011-12-30")
    r = pd.Series(0.0005, idx)
    r[r.index < "2001-01-01"] = 0.0
    names = [w.event.name for w in crisis_windows(r)]
    assert "DotCom Bubble 2000" not in names and "Global Financial Crisis 2007" in names
    r.iloc[100] = 0.01  # one bar with a position inside the event: shown
    assert "DotCom Bubble 2000" in [w.event.name for w in crisis_windows(r)]
