"""The factor tear sheet: every table and figure, artists equal the statistics, HTML output."""

from __future__ import annotations

import shutil
import subprocess
import warnings

import matplotlib
import matplotlib.collections as mcoll
import matplotlib.text
import numpy as np
import pandas as pd
import pytest

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
                 "ic_summary", "turnover", "rank_autocorrelation", "ic_by_group", "ic_decay_table"]:
        assert isinstance(sheet.tables[name], pd.DataFrame), name
    for lab in ("1D", "5D", "10D"):
        for stem in ["spread", "cumulative_long_short", "cumulative_by_quantile", "ic_ts", "ic_distribution",
                     "top_bottom_turnover", "rank_autocorrelation"]:
            assert f"{stem}_{lab}" in sheet.figures, f"{stem}_{lab}"
    for name in ["quantile_returns_bar", "quantile_returns_violin", "ic_decay", "event_returns",
                 "event_returns_by_quantile", "quantile_returns_by_group", "ic_by_group_bar"]:
        assert name in sheet.figures, name
    assert list(sheet.tables["headline"].columns) == ["1D", "5D", "10D"]


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
    for lab in ("1D", "5D", "10D"):
        ax = sheet.figures[f"cumulative_long_short_{lab}"].axes[0]
        growth = 1.0 + a.interleaved.cumulative(lab)["long_short"]
        ys = [line.get_ydata() for line in ax.get_lines() if len(line.get_ydata()) == len(growth)]
        assert any(np.allclose(np.asarray(y, dtype=float), growth.to_numpy(), rtol=1e-12) for y in ys), lab
        # and the interleaved returns are the calculator's own
        direct = fl.interleaved_returns(fl.factor_weights(a.fd), a.fd.prices[a.fd.assets],
                                        a.fd.periods[a.fd.labels.index(lab)])
        common = growth.index.intersection(direct.returns.index)
        np.testing.assert_allclose(a.interleaved[lab]["long_short"].loc[common],
                                   direct.returns.loc[common], atol=1e-12)


def test_heatmap_values_equal_monthly_ic(sheet):
    a = sheet.analysis
    ax = sheet.figures["ic_distribution_5D"].axes[2]
    mesh = [c for c in ax.collections if isinstance(c, mcoll.QuadMesh)][0]
    drawn = np.ma.filled(mesh.get_array(), np.nan).ravel()
    monthly = a.monthly_ic["5D"].dropna().to_numpy()
    np.testing.assert_allclose(np.sort(drawn[~np.isnan(drawn)]), np.sort(monthly), rtol=1e-12)


def test_headline_matches_metrics(sheet):
    a = sheet.analysis
    r = a.interleaved["5D"]["long_short"]
    head = sheet.tables["headline"]["5D"]
    assert head["long-short Sharpe"] == pytest.approx(fl.metrics.sharpe_ratio(r, periods_per_year=252))
    assert head["IC mean"] == pytest.approx(a.ic["5D"].mean())
    # costs lower the return
    assert head["net annual return @ 5 bps"] < head["long-short annual return"]


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
    import io

    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"), dtype=np.int16)


def test_png_equals_savefig_outside_text_and_is_stable(sheet):
    import io

    from matplotlib.backends.backend_agg import RendererAgg

    from factorlab.plotting import _tables, figure_to_png_bytes

    for name in ["ic_distribution_1D", "ic_ts_5D", "event_returns_by_quantile"]:
        fig = sheet.figures[name]
        canvas = fig.canvas
        _tables._SharedMetricsRendererAgg._text_images.clear()
        cold = figure_to_png_bytes(fig, dpi=80, tight=False)
        warm = figure_to_png_bytes(fig, dpi=80, tight=False)
        assert cold == warm  # reused text images draw the same pixels as freshly rasterised ones
        assert fig.canvas is canvas  # the temporary Agg canvas is gone
        ref = io.BytesIO()
        fig.savefig(ref, format="png", dpi=80, pil_kwargs={"compress_level": 1})
        ours, theirs = _png_pixels(warm), _png_pixels(ref.getvalue())
        assert ours.shape == theirs.shape
        differ = np.abs(ours - theirs).max(axis=-1) > 0
        if matplotlib.__version_info__ < (3, 11):
            assert not differ.any(), name  # matplotlib <= 3.10 draws text as we do: the same pixels
            continue
        assert differ.any()  # text is placed on whole pixels, not at matplotlib 3.11's 1/64 px
        # every differing pixel lies in (1 px around) a drawn text's box
        height, width = differ.shape
        renderer = RendererAgg(width, height, 80)
        inside = np.zeros_like(differ)
        texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text()]
        for text in texts:
            box = text.get_window_extent(renderer, dpi=80)
            x0, x1 = int(np.floor(box.x0)) - 1, int(np.ceil(box.x1)) + 1
            y0, y1 = int(np.floor(box.y0)) - 1, int(np.ceil(box.y1)) + 1
            inside[max(height - y1, 0):max(height - y0, 0), max(x0, 0):max(x1, 0)] = True
        assert not (differ & ~inside).any(), name
        # with the texts hidden the two images have identical pixels
        for text in texts:
            text.set_visible(False)
        try:
            ref = io.BytesIO()
            fig.savefig(ref, format="png", dpi=80, pil_kwargs={"compress_level": 1})
            assert np.array_equal(_png_pixels(figure_to_png_bytes(fig, dpi=80, tight=False)),
                                  _png_pixels(ref.getvalue()))
        finally:
            for text in texts:
                text.set_visible(True)


def test_frozen_ticks_draw_the_same_images(sample_small, monkeypatch):
    # only the visible ticks are kept, with matplotlib's labels: the PNGs equal those of live locators
    import factorlab.tears._charts as tear_charts
    from factorlab.plotting import figure_to_png_bytes

    prices, sectors, bench = sample_small

    def build():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ts = fl.create_full_tear_sheet(_reversal(prices), prices, periods=(1, 5), groupby=sectors,
                                           by_group=True, benchmark=bench)
        return ts, {n: figure_to_png_bytes(f, dpi=60, tight=False) for n, f in ts.figures.items()}

    frozen, frozen_png = build()
    monkeypatch.setattr(tear_charts, "freeze_ticks", lambda ax, **kwargs: None)
    live, live_png = build()
    assert frozen_png == live_png
    n_frozen = sum(len(ax.xaxis.majorTicks) + len(ax.yaxis.majorTicks)
                   for f in frozen.figures.values() for ax in f.axes)
    n_live = sum(len(ax.xaxis.majorTicks) + len(ax.yaxis.majorTicks) for f in live.figures.values() for ax in f.axes)
    assert n_frozen < n_live


def _hourly_with_gaps(rng):
    idx = pd.date_range("2024-01-02 09:00", periods=400, freq="h")
    prices = pd.DataFrame(100 * np.exp(np.cumsum(rng.normal(0, 0.003, (400, 30)), axis=0)), index=idx,
                          columns=[f"A{i}" for i in range(30)])
    prices.iloc[300:, 3] = np.nan  # delisted
    prices.iloc[100:110, 9] = np.nan  # gap
    return prices


@pytest.mark.parametrize("case", ["daily_groups_benchmark", "hourly_gaps"])
def test_html_images_equal_fresh_figures(sample_small, rng, case, monkeypatch):
    # the HTML's images are drawn on one reused figure per chart kind; each equals its own fresh Figure's PNG
    from factorlab.plotting import figure_to_data_uri
    from factorlab.tears import _charts

    new_figures = []
    original = _charts.Chart._new
    monkeypatch.setattr(_charts.Chart, "_new", lambda self, restore_on_zoom: new_figures.append(self.kind)
                        or original(self, restore_on_zoom))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if case == "hourly_gaps":
            prices = _hourly_with_gaps(rng)
            ts = fl.create_full_tear_sheet(_reversal(prices), prices, periods=(1, 4, 8))
        else:
            prices, sectors, bench = sample_small
            ts = fl.create_full_tear_sheet(_reversal(prices), prices, periods=(1, 5, 10), groupby=sectors,
                                           by_group=True, benchmark=bench)
    assert new_figures == []  # nothing is drawn until an image or a Figure is asked for
    html = ts._repr_html_()
    assert html.count("<img") == len(ts.figures) >= 26
    charts = [ts.figures.entry(n) for n in ts.figures]
    layouts = {(c.size, c.grid) for c in charts if c.grid is not None}
    # one figure per size and grid of axes (reset between charts), a new one for each free-layout chart
    assert len(new_figures) == len(layouts) + sum(c.grid is None for c in charts) <= 6
    assert not ts._canvases._held  # the reused figures are dropped after composing
    for name in ts.figures:
        drawn = ts._images[name]
        fresh = figure_to_data_uri(ts.figures[name], "png", dpi=ts.dpi, tight=False)
        assert drawn == fresh, name
        assert f'src="{fresh}"' in html


def test_a_changed_figure_shows_in_the_html(sample_small, tmp_path):
    prices, _, _ = sample_small
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ts = fl.create_full_tear_sheet(_reversal(prices), prices, periods=(1, 5))
    before = ts._image("ic_ts_5D")  # drawn (and kept) before anyone asks for the Figure
    ts.figures["ic_ts_5D"].axes[0].set_title("my own title")
    text = ts.to_html(tmp_path / "t.html").read_text()
    untouched = fl.create_full_tear_sheet(ts.analysis.fd, periods=(1, 5))
    assert before == untouched._image("ic_ts_5D")
    assert ts._image("ic_ts_5D") != before and f'src="{ts._image("ic_ts_5D")}"' in text
    assert ts._image("ic_ts_1D") == untouched._image("ic_ts_1D")
    assert text.count("<img") == len(ts.figures)
    with pytest.raises(errors.ParameterError, match="must be a matplotlib Figure"):
        ts.figures["x"] = "not a figure"


def test_to_html_is_self_contained(sheet, tmp_path):
    path = sheet.to_html(tmp_path / "tear.html")
    text = path.read_text()
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
    assert set(ts.figures) >= {"ic_ts_1D", "ic_ts_5D", "ic_decay"}


def test_hourly_data_labels_say_hours(rng):
    prices = _hourly_with_gaps(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ts = fl.create_full_tear_sheet(_reversal(prices), prices, periods=(1, 4))
    assert list(ts.tables["headline"].columns) == ["1h", "4h"]
    assert "cumulative_long_short_4h" in ts.figures
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
    assert quality.loc["missing_price", "entries"] > 0
    assert any("stale" in n for n in ts.notes)


@pytest.mark.skipif(shutil.which("chromium") is None,
                    reason="Debian's chromium is not installed (.ci/run installs it with apt-get)")
def test_html_renders_in_headless_chromium(sheet, tmp_path):
    path = sheet.to_html(tmp_path / "tear.html")
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


def test_zooming_a_figure_gives_its_ticks_back(sheet):
    # ticks are frozen for speed at build; a user changing the limits gets live ticks for the new view
    from matplotlib.ticker import FixedLocator

    ax = sheet.figures[next(n for n in sheet.figures if n.startswith("ic_ts"))].axes[0]
    assert isinstance(ax.xaxis.get_major_locator(), FixedLocator)
    lo, hi = ax.get_xlim()
    ax.set_xlim(lo, lo + (hi - lo) / 10)
    assert not isinstance(ax.xaxis.get_major_locator(), FixedLocator)
    ticks = [t for t in ax.get_xticks() if lo <= t <= lo + (hi - lo) / 10]
    assert len(ticks) >= 2
    assert isinstance(ax.yaxis.get_major_locator(), FixedLocator)  # the other axis is untouched
