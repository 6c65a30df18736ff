"""Every number possible on messy data: the tear sheet completes, reports ruins, never sinks on one statistic."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import factorlab as fl
from factorlab.errors import DataQualityWarning, LookAheadWarning, StatisticUnavailableWarning
from factorlab.metrics._verdict import BREAK_EVEN_CAP_BPS, _secant


@pytest.fixture(scope="module")
def squeezed(sp500_prices):
    """60 real names over 400 bars; the first falls to 0.10 (a penny stock) and rebounds 13x in 12 bars
    while a 5-day reversal shorts it: the factor-weighted long-short sleeves are ruined."""
    p = sp500_prices.iloc[:400, :60].copy()
    path = np.r_[np.linspace(10, 0.1, 200), np.full(5, 0.1), 0.1 * np.cumprod(np.full(12, 1.5))]
    p.iloc[:len(path), 0] = path
    p.iloc[len(path):, 0] = path[-1]
    return -(p / p.shift(5) - 1), p


def _run(func):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = func()
    return out, caught


def test_tear_sheet_on_a_squeeze_has_possible_numbers_and_reports_the_ruin(squeezed):
    factor, prices = squeezed
    ts, caught = _run(lambda: fl.create_full_tear_sheet(factor, prices, periods=(1, 5, 10), cost_bps=10))
    head = ts.tables["headline"]
    assert (head.loc["long-short max drawdown"].astype(float) >= -1.0).all()
    assert (head.loc["turnover per bar"].astype(float) >= 0).all()
    for col in head.columns:
        assert float(head.loc["net annual return @ 10 bps", col]) <= float(head.loc["long-short annual return", col]) + 1e-12
    ruins = ts.tables["ruins"]
    assert len(ruins) and set(ruins["asset"].dropna()) == {prices.columns[0]}
    assert (ruins["move"].dropna() > 1).all()  # the shorted name more than doubled
    assert "ruined sleeves" in ts.tables["data_quality"].index
    ruin_warnings = [w for w in caught if issubclass(w.category, DataQualityWarning) and "ruined" in str(w.message)]
    assert len(ruin_warnings) == 1  # one line, with a count and the worst examples
    assert str(ruin_warnings[0].message).count("sleeve ") <= 4
    for lab in ts.analysis.fd.labels:
        ls = ts.analysis.interleaved[lab]["long_short"]
        assert (ls >= -1).all() and np.isfinite(ls).all()
    assert "ruined" in ts.to_html()
    whole = ruins[ruins["sleeve"].isna()]
    for period in whole["period"]:  # the verdict says a ruined book where it is read
        assert "long-short sleeves were ruined on" in ts.verdict.table.loc[period, "verdict"]


def test_a_failing_section_leaves_the_rest(squeezed, monkeypatch):
    from factorlab.tears._analysis import FactorAnalysis

    def broken(self):
        raise np.linalg.LinAlgError("Singular matrix")

    monkeypatch.setattr(FactorAnalysis, "event_returns", property(broken))
    factor, prices = squeezed
    ts, caught = _run(lambda: fl.create_full_tear_sheet(factor, prices.iloc[:, 1:], periods=(1, 5)))
    un = ts.tables["unavailable"]
    assert list(un["section"]) == ["events"] and "Singular matrix" in un["reason"].iloc[0]
    assert {"summary", "returns", "information", "turnover"} <= set(ts.sections)
    assert sum(issubclass(w.category, StatisticUnavailableWarning) for w in caught) == 1
    assert "Singular matrix" in ts.to_html()


def test_a_failing_verdict_leaves_the_headline(squeezed, monkeypatch):
    from factorlab.tears._analysis import FactorAnalysis

    def broken(self):
        raise fl.errors.ParameterError("did not converge")

    monkeypatch.setattr(FactorAnalysis, "verdict", property(broken))
    factor, prices = squeezed
    ts, _ = _run(lambda: fl.create_full_tear_sheet(factor, prices.iloc[:, 1:], periods=(5,)))
    assert ts.verdict is None and "headline" in ts.tables
    assert ts.tables["unavailable"]["statistic"].tolist() == ["verdict"]


def _search(f, f0=None, traded=1e-3):
    gen = _secant(f(0.0) if f0 is None else f0, traded, 1e-3)
    steps = 0
    try:
        c = next(gen)
        while True:
            steps += 1
            c = gen.send(f(c))
    except StopIteration as done:
        return done.value, steps


def test_break_even_search_always_ends():
    root, steps = _search(lambda c: 1e-4 - 1e-6 * c)  # linear: 100 bps
    assert root == pytest.approx(100.0, abs=1e-3) and steps <= 4
    root, _ = _search(lambda c: 1e-4 - 1e-10 * c ** 2)  # curved: 1,000 bps
    assert root == pytest.approx(1000.0, abs=1e-3)
    root, steps = _search(lambda c: np.sign(61.8 - c) * 1e-6)  # a step: no secant converges, the bracket does
    assert root == pytest.approx(61.8, abs=1e-3) and steps < 100
    assert _search(lambda c: 1e-4)[0] == np.inf  # never eaten below the ceiling
    assert _search(lambda c: -1e-5)[0] == 0.0  # loses before costs
    assert np.isnan(_search(lambda c: 1e-4, traded=0.0)[0])  # never trades
    assert BREAK_EVEN_CAP_BPS == 10_000


@pytest.mark.parametrize("period", [1, 5])
def test_look_ahead_named_at_any_horizon(sp500_prices, period):
    p = sp500_prices.iloc[:300, :40]
    factor = (p.shift(-period) / p - 1).stack()
    (fd, verdict), caught = _run(lambda: (fd := fl.prepare_factor_data(factor, p, periods=(period,)),
                                          fl.factor_verdict(fd)))
    label = fd.labels[0]
    assert any(issubclass(w.category, LookAheadWarning) and label in str(w.message) for w in caught)
    text = verdict.table.loc[label, "verdict"]
    assert text.startswith(f"suspected look-ahead: IC 1.00 at {label}")


def test_returns_passed_as_prices_are_named(sp500_prices):
    rets = sp500_prices.iloc[:200, :20].pct_change().iloc[1:]
    factor = -rets.rolling(5).sum()
    with pytest.raises(fl.errors.InvalidPriceError, match="looks like returns, not prices"):
        fl.prepare_factor_data(factor.stack(), rets, periods=(1,))


def test_warnings_of_one_kind_read_as_one_line_and_come_after_the_key_figures(sp500_prices):
    from factorlab.backtest._warnings import RunWarning, summarize_warnings

    idx = sp500_prices.index
    stale = [RunWarning("stale_price", f"N{i} held while its price stayed {i} bars", f"N{i}", idx[0], idx[i])
             for i in range(1, 409)]
    gone = RunWarning("prices_stop", "X held after its prices stop", "X", idx[3], idx[3])
    lines = summarize_warnings([*stale, gone])
    assert len(lines) == 2
    assert lines[0].startswith("408 held price(s) that stayed unchanged")
    assert "N408 held" in lines[0] and "N406 held" in lines[0] and "N1 held" not in lines[0]  # longest first
    assert lines[1] == str(gone)
    r = sp500_prices.iloc[:300, 0].pct_change().fillna(0.0)
    rep = fl.create_returns_tear_sheet(r, warnings=[*stale, gone])
    html = rep.to_html()
    assert html.index('id="kpi"') < html.index('id="warnings"')  # key figures first
    assert "<details>" in html and "Warnings (409)" in html
    assert html.count("<li>") >= 409 + 2  # every warning is still there, under the summary


def test_a_chart_that_cannot_be_drawn_is_a_note_not_a_crash(squeezed, monkeypatch):
    from factorlab.tears import _factor

    def broken(a, ax):
        raise ValueError("nothing to plot")

    monkeypatch.setattr(_factor, "_ic_ts", broken)
    factor, prices = squeezed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        ts = fl.create_information_tear_sheet(factor, prices.iloc[:, 1:], periods=(1, 5))
    with pytest.warns(StatisticUnavailableWarning, match="chart 'ic_ts' could not be drawn"):
        html = ts.to_html()
    assert "data:image/svg+xml;base64," in html
    un = ts.tables["unavailable"]
    assert un["statistic"].tolist() == ["chart ic_ts"] and un["section"].tolist() == ["information"]


def test_full_tear_sheet_on_a_raw_survivorship_free_style_panel(sp500_prices):
    """Real prices made raw: names padded with stale prices before listing and after delisting, a
    bankruptcy to 0, penny stocks that rebound 10-45x while a reversal shorts them; stale='drop'."""
    p = sp500_prices.iloc[:, :80].copy()
    n = len(p)
    p.iloc[:300, 0] = p.iloc[300, 0]           # padded before listing
    p.iloc[900:, 1] = p.iloc[900, 1]           # padded after delisting
    p.iloc[700, 2] = 0.0                       # bankrupt
    p.iloc[701:, 2] = np.nan
    for j, (lo, x) in enumerate([(400, 45.0), (800, 10.0), (1100, 20.0)], start=3):
        p.iloc[lo - 100:lo, j] = np.linspace(p.iloc[lo - 100, j], 0.05, 100)  # falls to a penny
        p.iloc[lo:lo + 15, j] = 0.05 * np.geomspace(1, x, 15)                  # rebounds x-fold
        p.iloc[lo + 15:, j] = 0.05 * x
    factor = -(p / p.shift(5) - 1)
    ts, caught = _run(lambda: fl.create_full_tear_sheet(factor, p, periods=(1, 5, 10), stale="drop", cost_bps=10))
    assert {"summary", "returns", "information", "turnover", "events"} <= set(ts.sections)
    assert "unavailable" not in ts.tables
    head = ts.tables["headline"].astype(float)
    assert (head.loc["long-short max drawdown"] >= -1).all() and (head.loc["turnover per bar"] >= 0).all()
    assert (head.loc["net annual return @ 10 bps"] <= head.loc["long-short annual return"] + 1e-12).all()
    assert (ts.tables["verdict"]["break-even cost (bps)"].astype(float).dropna() >= 0).all()
    assert n == len(p) and ts.to_html()
