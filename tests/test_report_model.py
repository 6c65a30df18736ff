"""One report model: the factor tear sheet, the returns report and the backtest report share one protocol.

The same checks run against all three; ``benchmark=`` read as a price level or as returns gives the same
report.
"""

from __future__ import annotations

import base64
import re
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import factorlab as fl
from factorlab.errors import ParameterError

KINDS = ["factor", "returns", "backtest"]


@pytest.fixture(scope="module")
def small():
    s = fl.load_sample()
    prices = s.prices.iloc[:300, :30]
    factor = -(prices / prices.shift(5) - 1)
    return prices, factor, s.benchmark.reindex(prices.index).ffill()


def _make(kind: str, small, *, benchmark_as: str = "prices", **options):
    prices, factor, level = small
    bench = level if benchmark_as == "prices" else level.pct_change()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "factor":
            ts = fl.create_full_tear_sheet(factor, prices, periods=(1, 5), benchmark=bench)
            for name, value in options.items():
                setattr(ts, name, value)
            return ts
        if kind == "returns":
            returns = prices.pct_change().mean(axis=1).iloc[1:]
            return fl.create_returns_tear_sheet(returns, benchmark=bench, **options)
        result = fl.run_backtest(fl.FactorStrategy(factor, period=5), prices, benchmark=bench, progress=False)
        return result.tear_sheet(**options)


@pytest.fixture(scope="module", params=KINDS)
def report(request, small):
    return _make(request.param, small)


def test_every_report_follows_the_protocol(report, tmp_path):
    assert isinstance(report, fl.Report)
    assert isinstance(report.title, str) and report.title
    assert (report.image_format, report.dpi) == ("png", 80)  # one default for every report
    assert isinstance(report.sections, Mapping) and report.sections
    named = set(report.tables) | set(report.figures)
    for key, section in report.sections.items():
        assert isinstance(section, fl.Section) and section.key == key and section.title
        for kind, name in section.items:
            assert kind in ("table", "figure") and name in (report.tables if kind == "table" else report.figures)
    placed = {name for s in report.sections.values() for _, name in s.items}
    assert placed <= named and set(report.figures) <= placed  # every figure is shown somewhere
    assert all(isinstance(t, pd.DataFrame) for t in report.tables.values())
    first = next(iter(report.figures))
    assert isinstance(report.figures[first], Figure) and report.figures[first] is report.figures[first]
    page = report.to_html()
    assert page.lstrip().lower().startswith("<!doctype html>") and "<img" in page
    path = tmp_path / "sub" / "report.html"
    assert report.to_html(path) == path.read_text(encoding="utf-8")
    fragment = report._repr_html_()
    assert "<img" in fragment and "<html" not in fragment.lower()
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert images and all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)


@pytest.mark.parametrize("kind", KINDS)
def test_image_format_and_dpi_apply_to_every_report(kind, small):
    svg = _make(kind, small, image_format="svg")
    assert "data:image/svg+xml;base64," in svg.to_html()
    low, high = _make(kind, small, dpi=40), _make(kind, small, dpi=120)
    sizes = [len(max(re.findall(r'src="data:image/png;base64,([^"]+)"', r.to_html()), key=len)) for r in (low, high)]
    assert sizes[0] < sizes[1]
    if kind != "factor":
        with pytest.raises(ParameterError, match="image_format"):
            _make(kind, small, image_format="jpg")
        with pytest.raises(ParameterError, match="dpi"):
            _make(kind, small, dpi=5)
    else:
        with pytest.raises(ParameterError, match="image_format"):
            fl.TearSheet(title="t", image_format="jpg")


@pytest.mark.parametrize("kind", KINDS)
def test_benchmark_as_prices_or_returns_gives_the_same_report(kind, small):
    by_prices = _make(kind, small, benchmark_as="prices")
    by_returns = _make(kind, small, benchmark_as="returns")
    if kind == "factor":
        a, b = by_prices.analysis, by_returns.analysis
        index = a.interleaved.cumulative("5D").index
        pd.testing.assert_series_equal(a.benchmark_growth(index), b.benchmark_growth(index), rtol=1e-12)
        line = lambda ts: [ln for ln in ts.figures["cumulative_long_short"].axes[0].get_lines()
                           if ln.get_label() != "_reference"][-1]
        np.testing.assert_allclose(line(by_prices).get_ydata(), line(by_returns).get_ydata(), rtol=1e-12)
    else:
        pd.testing.assert_series_equal(by_prices.benchmark, by_returns.benchmark, rtol=1e-12)
        pd.testing.assert_frame_equal(by_prices.tables["stats"], by_returns.tables["stats"], rtol=1e-12)


def test_the_benchmark_rule_is_explicit_and_validated(small):
    prices, _, level = small
    returns = prices.pct_change().mean(axis=1).iloc[1:]
    assert fl.report.benchmark_kind(level) == "prices"
    assert fl.report.benchmark_kind(level.pct_change()) == "returns"
    always_up = pd.Series(0.001, index=returns.index)  # returns without a value <= 0 must be said to be returns
    assert fl.report.benchmark_kind(always_up) == "prices"
    sheet = fl.create_returns_tear_sheet(returns, benchmark=always_up, benchmark_kind="returns")
    assert np.allclose(sheet.benchmark.dropna(), 0.001)
    with pytest.raises(ParameterError, match="price level must be > 0"):
        fl.create_returns_tear_sheet(returns, benchmark=level.pct_change(), benchmark_kind="prices")
    with pytest.raises(ParameterError, match="benchmark_kind must be one of"):
        fl.create_returns_tear_sheet(returns, benchmark=level, benchmark_kind="levels")
    with pytest.raises(ParameterError, match="> -1"):
        fl.report.benchmark_kind(pd.Series([0.1, -1.5]), "returns")


def test_benchmark_counts_from_the_strategys_first_traded_bar():
    idx = pd.bdate_range("2021-01-04", periods=8)
    strategy = pd.Series([0.0, 0.0, 0.0, 0.01, -0.02, 0.03, 0.0, 0.01], index=idx)
    bench = pd.Series([0.05, -0.03, 0.02, 0.01, 0.01, 0.01, 0.01, 0.01], index=idx)
    rep = fl.create_returns_tear_sheet(strategy, benchmark=bench, benchmark_kind="returns")
    # the strategy first moves on bar 3: the benchmark's first three returns do not count
    assert rep.benchmark.iloc[:3].eq(0.0).all()
    assert rep.benchmark.iloc[3:].equals(bench.iloc[3:])
    total = float(np.prod(1 + bench.iloc[3:]) - 1)
    assert rep.cumulative["benchmark"].iloc[-1] == pytest.approx(total, rel=1e-12)
    # with positions, the first bar holding one decides (its own return is the benchmark's from then on)
    positions = pd.DataFrame({"A": [0, 0, 5, 5, 5, 5, 5, 5]}, index=idx, dtype=float)
    rep = fl.create_returns_tear_sheet(strategy, benchmark=bench, benchmark_kind="returns", positions=positions)
    assert rep.benchmark.iloc[:3].eq(0.0).all() and rep.benchmark.iloc[3] == 0.01
