"""The factor tear sheet: every table and figure, artists equal the statistics, HTML output."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
import warnings

import matplotlib
import matplotlib.text
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba

import factorlab as fl
from factorlab import errors
from factorlab.tears._analysis import FactorAnalysis

SECTION_KEYS = ["summary", "returns", "information", "turnover", "events"]


def _reversal(prices: pd.DataFrame) -> pd.DataFrame:
    return -(prices / prices.shift(5) - 1)


@pytest.fixture(scope="module")
def sample_small():
    s = fl.load_sample()
    prices = s.prices.iloc[:500, :40]
    return prices, s.sectors, s.benchmark


@pytest.fixture(scope="module")
def sheet(sample_small):
    prices, sectors, bench = sample_small
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fl.create_full_tear_sheet(_reversal(prices), prices, periods=(1, 5, 10), groupby=sectors,
                                         by_group=True, benchmark=bench, cost_bps=5)


def test_every_section_table_and_figure_exists(sheet):
    assert list(sheet.sections) == SECTION_KEYS + ["by_group"]
    for name in ["headline", "data_quality", "quantile_statistics", "returns_table", "mean_return_by_quantile",
                 "ic_summary", "monthly_ic", "turnover", "rank_autocorrelation", "ic_by_group", "ic_decay_table"]:
        assert isinstance(sheet.tables[name], pd.DataFrame), name
    # one figure per statistic, the periods compared on one axes (or side by side on one shared scale)
    assert list(sheet.figures) == [
        "quantile_returns_bar", "quantile_returns_violin", "spread", "cumulative_long_short",
        "cumulative_by_quantile", "ic_ts", "ic_distribution", "ic_decay", "top_bottom_turnover",
        "rank_autocorrelation", "event_returns", "ic_by_group_bar", "quantile_returns_by_group"]
    assert list(sheet.tables["headline"].columns) == ["1D", "5D", "10D"]


def _legend_labels(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_period_charts_draw_the_precomputed_statistics_one_line_per_period(sheet):
    a = sheet.analysis
    labs = ["1D", "5D", "10D"]
    for name, frame in [("spread", a.spread_moving_average * 1e4), ("ic_ts", a.ic_moving_average),
                        ("rank_autocorrelation", pd.DataFrame(a.rank_autocorrelation)),
                        ("top_bottom_turnover", a.top_bottom_turnover_moving_average)]:
        (ax,) = sheet.figures[name].axes
        lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
        assert len(lines) == frame.shape[1], name
        for line, column in zip(lines, frame.columns):
            np.testing.assert_allclose(np.asarray(line.get_ydata(), dtype=float), frame[column].to_numpy(),
                                       rtol=1e-12, equal_nan=True)
        assert len(_legend_labels(ax)) == frame.shape[1]
    assert _legend_labels(sheet.figures["ic_ts"].axes[0])[0].startswith(
        f"1D: mean {a.ic_table.loc['1D', 'IC Mean']:.3f}")
    # the spread's and IC's axes follow the bulk of the data; the title counts the points left out
    for name, frame in [("spread", a.spread_moving_average * 1e4), ("ic_ts", a.ic_moving_average)]:
        ax = sheet.figures[name].axes[0]
        values = frame.to_numpy().ravel()
        values = values[np.isfinite(values)]
        low, high = ax.get_ylim()
        outside = int(((values < low) | (values > high)).sum())
        assert (f"{outside} points outside" in ax.get_title()) == (outside > 0), name
    # the spread per bar: top minus bottom quantile (2x gross, the tear sheet's one spread), each quantile's
    # 10-bar mean return as a per-bar rate; the last 10 dates have no 10-bar return
    top, bottom = (fl.mean_return_by_quantile(a.fd, by_date=True)[0]["10D"].xs(q, level="factor_quantile")
                   for q in (a.top, 1))
    per_bar = (1 + top) ** (1 / 10) - (1 + bottom) ** (1 / 10)
    assert per_bar.iloc[-10:].isna().all()
    np.testing.assert_allclose(a.spread_moving_average["10D"].iloc[-11],
                               per_bar.iloc[-11 - a.ma_window + 1:-10].mean(), rtol=1e-12)
    assert [lab for lab in labs if lab in _legend_labels(sheet.figures["cumulative_long_short"].axes[0])] == labs


def test_quantile_growth_of_every_period_on_one_axes(sheet):
    """Colour = quantile, line style = period: one axes compares the horizons on one scale."""
    a = sheet.analysis
    (ax,) = sheet.figures["cumulative_by_quantile"].axes
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert len(lines) == 3 * a.top  # every quantile at every period
    styles = []
    for k, lab in enumerate(["1D", "5D", "10D"]):
        # by hand: each quantile's per-bar return minus the quantiles' mean that bar, compounded
        r = a.interleaved[lab].drop(columns="long_short")
        growth = (1.0 + r.sub(r.mean(axis=1), axis=0)).cumprod()
        drawn = lines[k * a.top:(k + 1) * a.top]
        for q, line in zip(sorted(growth.columns), drawn):
            assert line.get_label() == f"Quantile {q}"
            np.testing.assert_allclose(np.asarray(line.get_ydata(), dtype=float), growth[q].to_numpy(), rtol=1e-12)
        assert len({line.get_linestyle() for line in drawn}) == 1  # one style per period
        styles.append(drawn[0].get_linestyle())
        if k:  # the same quantile has the same colour at every period
            assert [line.get_color() for line in drawn] == [line.get_color() for line in lines[:a.top]]
    assert len(set(styles)) == 3
    assert _legend_labels(ax) == [f"Quantile {q}" for q in range(1, a.top + 1)] + ["1D sleeves", "5D sleeves",
                                                                                  "10D sleeves"]
    assert ax.get_yscale() == "log"


def test_ic_distribution_draws_the_histogram_and_qq_points(sheet):
    a = sheet.analysis
    hist_ax, qq_ax = sheet.figures["ic_distribution"].axes
    steps = hist_ax.patches
    assert len(steps) == 3
    for step, lab in zip(steps, ["1D", "5D", "10D"]):
        counts, edges = step.get_data().values, step.get_data().edges
        expected, expected_edges = np.histogram(a.ic[lab].dropna(), bins=25, range=(-1, 1))
        np.testing.assert_array_equal(counts, expected)
        np.testing.assert_allclose(edges, expected_edges)
    qq_lines = qq_ax.get_lines()[:3]
    for line, lab in zip(qq_lines, ["1D", "5D", "10D"]):
        np.testing.assert_allclose(line.get_ydata(), np.sort(a.ic[lab].dropna().to_numpy()))
        np.testing.assert_allclose(line.get_xdata(), a.ic_qq[(lab, "theoretical")].dropna().to_numpy())
    for line, step in zip(qq_lines, steps):  # each period in its histogram colour
        assert to_rgba(line.get_color())[:3] == step.get_edgecolor()[:3]
    # the periods' colours are named once, in the histogram's legend; the Q-Q title names its dotted line
    assert hist_ax.get_legend() is not None and qq_ax.get_legend() is None
    assert "dotted: 45-degree line" in qq_ax.get_title() and qq_ax.get_lines()[-1].get_linestyle() == ":"


def test_by_group_section_only_with_groups(sample_small):
    prices, _, _ = sample_small
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ts = fl.create_summary_tear_sheet(_reversal(prices), prices, periods=(1, 5))
        assert list(ts.sections) == ["summary"]
        with pytest.raises(errors.ParameterError, match="groupby"):
            fl.create_full_tear_sheet(_reversal(prices), prices, periods=(1, 5), by_group=True)


def test_bar_heights_equal_mean_returns(sheet):
    ax = sheet.figures["quantile_returns_bar"].axes[0]
    heights = np.array([p.get_height() for p in ax.patches if p.get_width() > 0])
    expected = sheet.analysis.mean_return_rate * 1e4
    np.testing.assert_allclose(np.sort(heights), np.sort(expected.to_numpy().ravel()), rtol=1e-9)


def test_line_data_equals_interleaved_cumulative_returns(sheet):
    a = sheet.analysis
    ax = sheet.figures["cumulative_long_short"].axes[0]
    for lab in ("1D", "5D", "10D"):
        growth = 1.0 + a.interleaved.cumulative(lab)["long_short"]
        ys = [line.get_ydata() for line in ax.get_lines() if len(line.get_ydata()) == len(growth)]
        assert any(np.allclose(np.asarray(y, dtype=float), growth.to_numpy(), rtol=1e-12) for y in ys), lab
        # and the interleaved returns are the calculator's own
        direct = fl.interleaved_returns(fl.factor_weights(a.fd), a.fd.prices[a.fd.assets],
                                        a.fd.periods[a.fd.labels.index(lab)])
        common = growth.index.intersection(direct.returns.index)
        np.testing.assert_allclose(a.interleaved[lab]["long_short"].loc[common],
                                   direct.returns.loc[common], atol=1e-12)


def test_monthly_ic_table_is_each_months_mean_ic_coloured_on_one_scale(sheet):
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    a = sheet.analysis
    table = sheet.tables["monthly_ic"]
    assert "monthly_ic" not in sheet.figures  # a table the browser colours, not an image
    assert list(table.columns) == ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    assert table.index.names == ["period", "year"]
    bound = a.monthly_ic_bound
    for lab in ["1D", "5D", "10D"]:
        ic = a.ic[lab].dropna()
        by_hand = ic.groupby([ic.index.year, ic.index.month]).mean()  # every (year, month) with an IC
        shown = table.loc[lab].stack().dropna()
        assert len(shown) == len(by_hand)
        for (year, month), value in by_hand.items():
            assert shown.loc[(year, table.columns[month - 1])] == pytest.approx(value, rel=1e-12, abs=1e-15)
        assert np.nanmax(np.abs(table.loc[lab].to_numpy())) <= bound  # one colour scale for every period
    page = sheet.to_html()
    part = page[page.index('id="table-monthly_ic"'):]
    part = part[:part.index("</table>")]
    cmap = colormaps["coolwarm_r"]
    value = float(table.iloc[0, 0])
    colour = to_hex(cmap((value + bound) / (2 * bound)))
    rule = re.search(r"([^{}]*_row0_col0\b[^{}]*)\{([^{}]*)\}", part)
    assert rule is not None and f"background-color: {colour}" in rule.group(2)
    assert f">{value:.2f}<" in part and "-0.00<" not in part
    assert f"blue +{bound:.2f}" in part  # the legend states the scale


def test_headline_matches_metrics(sheet):
    a = sheet.analysis
    r = a.interleaved["5D"]["long_short"]
    head = sheet.tables["headline"]["5D"]
    assert head["long-short Sharpe"] == pytest.approx(fl.metrics.sharpe_ratio(r, periods_per_year=252))
    assert head["IC mean"] == pytest.approx(a.ic["5D"].mean())
    # costs lower the return
    assert head["net annual return @ 5 bps"] < head["long-short annual return"]
    # the net sleeves are interleaved_returns' at the cost, bit for bit
    w = fl.factor_weights(a.fd)
    for p, lab in zip(a.fd.periods, a.fd.labels):
        net = fl.interleaved_returns(w, a.fd.prices[a.fd.assets], p, delay=a.fd.delay, cost_bps=5).returns
        pd.testing.assert_series_equal(a.net_long_short[lab], net, check_exact=True)


@pytest.mark.parametrize("delay", [0, 1])
def test_ic_decay_reuses_the_ic_exactly(sample_small, delay):
    # the tear sheet takes the decay at its own periods from the IC: exactly what ic_decay computes
    prices, _, _ = sample_small
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fd = fl.prepare_factor_data(_reversal(prices), prices, periods=(1, 4, 10), delay=delay)
    decay = FactorAnalysis(fd).ic_decay
    expected = fl.factor.ic_decay(fd)
    pd.testing.assert_frame_equal(decay, expected, check_exact=True)
    assert {1, 2, 3, 4, 5, 10, 15, 20} <= set(decay.index)
    assert decay.loc[4, "ic_mean"] == pytest.approx(np.nanmean(fl.factor.information_coefficient(fd)["4D"]))


def _png_pixels(data):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"), dtype=np.int16)


def _html_images(ts) -> dict[str, bytes]:
    """The PNG bytes of each figure of the tear sheet's HTML, by figure name."""
    html = ts._repr_html_()
    found = dict(re.findall(r'id="figure-([^"]+)"><img alt="[^"]*" src="data:image/png;base64,([^"]+)"', html))
    assert list(found) == list(ts.figures)
    return {name: base64.b64decode(data) for name, data in found.items()}


def _savefig(fig, dpi) -> bytes:
    from factorlab.plotting import PNG_OPTIONS

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, pil_kwargs=PNG_OPTIONS)
    return buffer.getvalue()


def test_user_fonts_and_styles_are_honoured_and_each_png_is_its_figure_savefig(sample_small):
    # two tear sheets in one process, each under its own font and style: every PNG of a tear sheet is
    # exactly what savefig writes for that tear sheet's own Figure (nothing is cached across them)
    import matplotlib.pyplot as plt
    from matplotlib.font_manager import fontManager

    fonts = {f.name for f in fontManager.ttflist}
    other_font = next(name for name in ("DejaVu Sans Mono", "DejaVu Serif", "STIXGeneral") if name in fonts)
    prices, _, _ = sample_small
    factor = _reversal(prices)
    looks = {
        "default": ({"font.sans-serif": ["DejaVu Sans"]}, "default"),
        "other": ({"font.sans-serif": [other_font], "font.size": 11.0}, "ggplot"),
    }
    images, sheets = {}, {}
    for key in ["default", "other", "default"]:  # the default look drawn again after the other one
        rc, style = looks[key]
        with plt.style.context(style), matplotlib.rc_context(rc), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ts = fl.create_full_tear_sheet(factor, prices, periods=(1, 5))
            drawn = _html_images(ts)
            for name, png in drawn.items():
                fig = ts.figures[name]
                assert png == _savefig(fig, ts.dpi), (key, name)
                title = next(t for ax in fig.axes for t in [ax.title] if t.get_text())
                assert title.get_fontname() == rc["font.sans-serif"][0], (key, name)
            images.setdefault(key, []).append(drawn)
            sheets[key] = ts
    first, again = images["default"]
    assert first == again  # drawing the other look in between changed nothing
    other = images["other"][0]
    assert all(not np.array_equal(_png_pixels(first[n]), _png_pixels(other[n])) for n in first)
    # the style's own colours are used where the charts set none (ggplot's grey axes background)
    assert sheets["other"].figures["ic_decay"].axes[0].get_facecolor() != \
        sheets["default"].figures["ic_decay"].axes[0].get_facecolor()


def _hourly_with_gaps(rng):
    idx = pd.date_range("2024-01-02 09:00", periods=400, freq="h")
    prices = pd.DataFrame(100 * np.exp(np.cumsum(rng.normal(0, 0.003, (400, 30)), axis=0)), index=idx,
                          columns=[f"A{i}" for i in range(30)])
    prices.iloc[300:, 3] = np.nan  # delisted
    prices.iloc[100:110, 9] = np.nan  # gap
    return prices


@pytest.mark.parametrize("case", ["daily_groups_benchmark", "hourly_gaps"])
def test_html_images_equal_savefig_of_fresh_figures(sample_small, rng, case, monkeypatch):
    # nothing is drawn until an image or a Figure is asked for; each image is its chart's own Figure's PNG
    from factorlab.plotting import Chart

    built = []
    original = Chart.figure
    monkeypatch.setattr(Chart, "figure", lambda self: built.append(self) or original(self))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if case == "hourly_gaps":
            prices = _hourly_with_gaps(rng)
            ts = fl.create_full_tear_sheet(_reversal(prices), prices, periods=(1, 4, 8))
        else:
            prices, sectors, bench = sample_small
            ts = fl.create_full_tear_sheet(_reversal(prices), prices, periods=(1, 5, 10), groupby=sectors,
                                           by_group=True, benchmark=bench)
    assert built == []
    drawn = _html_images(ts)
    assert len(built) == len(ts.figures)  # one new Figure per image, none kept
    assert all(isinstance(ts.figures.entry(n), Chart) for n in ts.figures)
    for name, png in drawn.items():
        assert png == _savefig(ts.figures[name], ts.dpi), name


def test_a_changed_figure_shows_in_the_html(sample_small, tmp_path):
    prices, _, _ = sample_small
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ts = fl.create_full_tear_sheet(_reversal(prices), prices, periods=(1, 5))
    before = ts._image("ic_ts")  # drawn (and kept) before anyone asks for the Figure
    ts.figures["ic_ts"].axes[0].set_title("my own title")
    text = ts.to_html(tmp_path / "t.html")
    assert (tmp_path / "t.html").read_text(encoding="utf-8") == text
    untouched = fl.create_full_tear_sheet(ts.analysis.fd, periods=(1, 5))
    assert before == untouched._image("ic_ts")
    assert ts._image("ic_ts") != before and f'src="{ts._image("ic_ts")}"' in text
    assert ts._image("ic_decay") == untouched._image("ic_decay")
    assert text.count("<img") == len(ts.figures)
    with pytest.raises(errors.ParameterError, match="must be a matplotlib Figure"):
        ts.figures["x"] = "not a figure"


def test_to_html_is_self_contained(sheet, tmp_path):
    path = tmp_path / "tear.html"
    text = sheet.to_html(path)
    assert path.read_text(encoding="utf-8") == text
    for key in SECTION_KEYS + ["by_group"]:
        assert f'id="{key}"' in text
    assert text.count("<img") == len(sheet.figures)
    assert "data:image/png;base64," in text
    assert "http://" not in text and "https://" not in text
    assert sheet._repr_html_().count("<img") == len(sheet.figures)


def test_prepared_factor_data_accepted(sample_small):
    prices, _, _ = sample_small
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fd = fl.prepare_factor_data(_reversal(prices), prices, periods=(1, 5))
        ts = fl.create_information_tear_sheet(fd)
    assert ts.analysis.fd is fd
    assert list(ts.figures) == ["ic_ts", "ic_distribution", "ic_decay"]
    assert list(ts.tables) == ["ic_summary", "monthly_ic", "ic_decay_table"]


def test_hourly_data_labels_say_hours(rng):
    prices = _hourly_with_gaps(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ts = fl.create_full_tear_sheet(_reversal(prices), prices, periods=(1, 4))
    assert list(ts.tables["headline"].columns) == ["1h", "4h"]
    assert [t.get_text() for t in ts.figures["cumulative_long_short"].axes[0].get_legend().get_texts()] == [
        "1h", "4h"]
    assert any("8,760 bars/year (hourly, 24/7 calendar, inferred)" in n for n in ts.notes)  # weekend bars: 24/7


def test_gaps_and_delistings_reported(sample_small):
    prices, _, _ = sample_small
    prices = prices.copy()
    prices.iloc[300:, 3] = np.nan                        # delisted
    prices.iloc[200:260, 7] = prices.iloc[199, 7]        # stale run
    prices.iloc[100:110, 9] = np.nan                     # gap
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ts = fl.create_full_tear_sheet(_reversal(prices), prices, periods=(1, 5))
    quality = ts.tables["data_quality"]
    # point in time, the delisted name stays a member up to its last price (booked, not dropped) ...
    fd = ts.analysis.fd
    assert fd.factor[prices.columns[3]].last_valid_index() == prices.index[299]
    assert "missing_price" not in quality.index      # the table lists only the reasons that occurred
    assert (quality["entries"] > 0).all() or list(quality.index) == ["none"]
    # ... and the horizons that run past its delisting end at its last price
    assert fd.returns["5D"].loc[prices.index[297], prices.columns[3]] == pytest.approx(
        prices.iloc[299, 3] / prices.iloc[297, 3] - 1, rel=1e-12)
    assert any("stale" in n for n in ts.notes)


@pytest.mark.skipif(shutil.which("chromium") is None,
                    reason="Debian's chromium is not installed (.ci/run installs it with apt-get)")
def test_html_renders_in_headless_chromium(sheet, tmp_path):
    path = tmp_path / "tear.html"
    sheet.to_html(path)
    # mark every image that failed to decode, then dump the DOM
    page = path.read_text().replace(
        "</body>", "<script>window.onload=()=>{document.querySelectorAll('img').forEach(i=>{"
        "if(!(i.complete&&i.naturalWidth>0))i.setAttribute('data-broken','1')});"
        "document.body.setAttribute('data-checked','1')}</script></body>")
    path.write_text(page)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(["chromium", *flags, "--virtual-time-budget=5000", "--dump-dom", path.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    assert 'data-checked="1"' in dom
    assert dom.count("<img") == len(sheet.figures)
    assert 'data-broken="1"' not in dom
    for key in SECTION_KEYS + ["by_group"]:
        assert f'id="{key}"' in dom
    shot = tmp_path / "shot.png"
    subprocess.run(["chromium", *flags, f"--screenshot={shot}", "--window-size=1200,2000", path.as_uri()],
                   capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 10_000
