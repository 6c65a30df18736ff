"""Ruined sleeves stop: a hand case, the whole portfolio ruined, and the invariants on generated messy data.

The rule (DESIGN.md, docs/concepts.md "Ruin"): a sleeve worth 0 or less at a bar's marks is closed at
those marks, its shortfall is paid by the other sleeves in proportion to their values, and it holds
nothing and never trades again; when the others cannot pay, the portfolio is worth 0 from then on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import factorlab as fl

DATES = pd.date_range("2021-01-04", periods=7, freq="B")


def _squeeze():
    """A at 10 throughout; B, shorted, doubles on bar 1 and reaches 35 on bar 3, falls to 20 on bar 6."""
    prices = pd.DataFrame({"A": [10.0] * 7, "B": [10.0, 20, 20, 35, 35, 35, 20]}, index=DATES)
    weights = pd.DataFrame({"A": 0.5, "B": -0.5}, index=DATES)
    return weights, prices


def test_hand_case_ruined_sleeve_stops_and_the_others_pay():
    weights, prices = _squeeze()
    res = fl.interleaved_returns(weights, prices, period=3, capital=3.0)
    # computed by hand (three sleeves of 1):
    # bar 0: sleeve 0 buys 0.05 A, shorts 0.05 B                      -> 1, 1, 1
    # bar 1: B 20: sleeve 0 = 1 + 0.5 - 1.0 = 0.5; sleeve 1 rebalances  -> 0.5, 1, 1
    # bar 3: B 35: sleeve 0 = 1 + 0.5 - 1.75 = -0.25: ruined, closed; the others (0.625 each) pay
    #        0.125 each -> 0, 0.5, 0.5; sleeve 0 was due to rebalance and does not
    # bar 6: B 20: sleeves 1 and 2 hold 0.025 A and -1/140 B, cash 0.5 -> 0.5 + 0.25 - 20/140 each
    one = 0.5 + 0.25 - 20 / 140
    np.testing.assert_allclose(res.equity.to_numpy(), [3, 2.5, 2.5, 1.0, 1.0, 1.0, 2 * one], rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.sleeve_equity.iloc[3].to_numpy(), [0.0, 0.5, 0.5], atol=1e-12)
    assert (res.sleeve_equity[0].iloc[3:] == 0).all()
    assert res.frame["sleeve"].iloc[3] is pd.NA and res.frame["sleeve"].iloc[6] is pd.NA  # ruined: no trade
    ruins = res.ruins
    assert len(ruins) == 1
    row = ruins.iloc[0]
    assert row["date"] == DATES[3] and row["sleeve"] == 0 and row["asset"] == "B"
    assert row["value"] == pytest.approx(-0.25) and row["move"] == pytest.approx(2.5)
    assert row["shortfall"] == pytest.approx(0.25)
    assert not res.ruined
    np.testing.assert_allclose(res.sleeve_equity.sum(axis=1), res.equity, atol=1e-12)


def test_costs_of_the_close_are_charged_and_counted():
    weights, prices = _squeeze()
    gross = fl.interleaved_returns(weights, prices, period=3, capital=3.0)
    net = fl.interleaved_returns(weights, prices, period=3, capital=3.0, cost_bps=100)
    # sleeve 0 closes 0.05 A at 10 and 0.05 B at 35 on bar 3: 2.25 traded, 1% cost
    assert net.costs.iloc[3] == pytest.approx(0.0225, rel=1e-9)
    assert (net.equity <= gross.equity + 1e-12).all()
    assert net.ruins.iloc[0]["shortfall"] > gross.ruins.iloc[0]["shortfall"]


def test_whole_portfolio_ruined_is_worth_zero_after():
    prices = pd.DataFrame({"A": [10.0] * 6, "B": [10.0, 10, 40, 40, 50, 60]}, index=DATES[:6])
    weights = pd.DataFrame({"A": 0.5, "B": -0.5}, index=DATES[:6])
    res = fl.interleaved_returns(weights, prices, period=1, capital=1.0)
    # one sleeve: bar 2, B x4 -> 1 + 0.5 - 2.0 = -0.5: ruined, nobody to pay
    assert res.ruined
    assert (res.equity.iloc[2:] == 0).all()
    assert res.returns.iloc[2] == -1.0 and (res.returns.iloc[3:] == 0).all()
    assert (res.turnover >= 0).all() and res.turnover.iloc[3:].eq(0).all()
    assert res.ruins["sleeve"].isna().iloc[-1]


def test_quantile_sleeves_apply_the_same_rule():
    """The tear sheet's long-short sleeves are the same kernel: a ruin there equals the single run."""
    weights, prices = _squeeze()
    factor = weights.stack().rename("factor") * pd.Series({"A": 1.0, "B": 1.0}).reindex(
        weights.stack().index.get_level_values(1)).to_numpy()
    fd = fl.prepare_factor_data(factor, prices, periods=(3,), quantiles=None, bins=2, max_loss=1.0)
    qr = fl.quantile_interleaved_returns(fd, capital=3.0)
    single = fl.interleaved_returns(fl.factor_weights(fd), prices, period=3, capital=3.0)
    n = len(qr["3D"])
    np.testing.assert_allclose(qr["3D"]["long_short"].to_numpy(), single.returns.to_numpy()[:n], atol=1e-15)


# --------------------------------------------------------------- generated messy panels
def _mess(prices: np.ndarray, j: int, kind: str, a: int, b: int, rng, holes: float) -> None:
    """Make column ``j`` of ``prices`` messy in place: listed at bar a, delisted at b, bankrupt at b, a penny
    stock from a rebounding 50x at b, stale from a to b, or NaN holes (share ``holes`` of the bars)."""
    if kind == "list":
        prices[:a, j] = np.nan
    elif kind == "delist":
        prices[b:, j] = np.nan
    elif kind == "bankrupt":
        prices[b, j] = 0.0
        prices[b + 1:, j] = np.nan
    elif kind == "penny":
        prices[a:, j] = 0.01
        prices[b:, j] = 0.5  # x50 rebound
    elif kind == "stale":
        prices[a:b, j] = prices[a, j]
    elif kind == "holes":
        prices[rng.random(len(prices)) < holes, j] = np.nan


@st.composite
def messy_panels(draw):
    """Listings, delistings, bankruptcies, penny prices that rebound 50x, stale padding, NaN holes,
    single names and extreme factor values."""
    n_bars = draw(st.integers(8, 40))
    n_assets = draw(st.integers(1, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    rets = rng.normal(0, draw(st.sampled_from([0.01, 0.05, 0.3])), (n_bars, n_assets))
    prices = 10 * np.exp(np.cumsum(rets, axis=0))
    for j in range(n_assets):
        kind = draw(st.sampled_from(["plain", "list", "delist", "bankrupt", "penny", "stale", "holes"]))
        a, b = sorted(draw(st.lists(st.integers(0, n_bars - 1), min_size=2, max_size=2)))
        _mess(prices, j, kind, a, b, rng, holes=0.3)
    index = pd.date_range("2020-01-01", periods=n_bars, freq="D")
    cols = [f"S{j}" for j in range(n_assets)]
    px = pd.DataFrame(prices, index=index, columns=cols)
    fac = pd.DataFrame(rng.standard_t(1.5, (n_bars, n_assets)), index=index, columns=cols)
    fac[px.isna() | (px <= 0)] = np.nan
    period = draw(st.integers(1, min(5, n_bars - 1)))
    cost = draw(st.sampled_from([0.0, 10.0, 500.0]))
    return px, fac, period, cost


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messy_panels(), st.booleans())
def test_invariants_hold_for_interleaved_sleeves(case, long_short):
    px, fac, period, cost = case
    raw = fac.div(fac.abs().sum(axis=1).replace(0, np.nan), axis=0)
    if long_short:
        raw = raw.sub(raw.mean(axis=1), axis=0)
        raw = raw.div(raw.abs().sum(axis=1).replace(0, np.nan), axis=0) * 3  # levered 3x gross
    try:
        gross = fl.interleaved_returns(raw, px, period)
    except (fl.errors.ParameterError, fl.errors.DataError):
        return  # too few bars for the period after the first signal, or no price at all: refused by name
    net = fl.interleaved_returns(raw, px, period, cost_bps=cost)
    for res in (gross, net):
        assert (res.equity >= 0).all()
        assert (res.sleeve_equity.to_numpy() >= -1e-9 * res.capital).all()
        assert (res.turnover.dropna() >= 0).all()
        eq = res.equity.to_numpy()
        peak = np.maximum.accumulate(np.concatenate(([res.capital], eq)))[1:]
        assert (eq / peak - 1 >= -1 - 1e-12).all()
        assert np.isfinite(res.returns).all()
        assert (res.returns >= -1 - 1e-12).all()
    # net <= gross while no ruin changes the paths (a ruin in one and not the other starts a new path)
    if not len(gross.ruins) and not len(net.ruins):
        assert (net.equity.to_numpy() <= gross.equity.to_numpy() * (1 + 1e-12) + 1e-9).all()


# --------------------------------------------------------------- the backtester applies the same rule
def _factor_of(weights):
    return weights.stack().rename("factor")


@pytest.mark.parametrize("cost", [0.0, 100.0])
def test_backtest_books_are_ruined_as_the_sleeves(cost):
    """FactorStrategy's books follow the ruin rule bar for bar: compare with the calculator, no gap."""
    weights, prices = _squeeze()
    res = fl.interleaved_returns(weights, prices, period=3, capital=3.0, cost_bps=cost)
    with pytest.warns(fl.errors.DataQualityWarning, match="ruin"):
        bt = fl.run_backtest(fl.FactorStrategy(weights, period=3, long_short=False), prices, capital=3.0,
                             commission=cost or None, progress=False)
    np.testing.assert_allclose(bt.equity.to_numpy(), res.equity.to_numpy(), rtol=1e-12, atol=1e-12)
    kinds = bt.warnings["kind"].tolist() if hasattr(bt.warnings, "columns") else [w.kind for w in bt.warnings]
    assert "ruin" in kinds


def test_backtest_account_ruined_stops():
    prices = pd.DataFrame({"A": [10.0] * 6, "B": [10.0, 10, 40, 40, 50, 60]}, index=DATES[:6])
    weights = pd.DataFrame({"A": 0.5, "B": -0.5}, index=DATES[:6])
    res = fl.interleaved_returns(weights, prices, period=1, capital=1.0)
    with pytest.warns(fl.errors.DataQualityWarning, match="account was ruined"):
        bt = fl.run_backtest(fl.FactorStrategy(weights, period=1, long_short=False), prices, capital=1.0,
                             progress=False)
    assert (bt.equity.iloc[2:] == 0).all()
    np.testing.assert_allclose(bt.equity.to_numpy(), res.equity.to_numpy(), atol=1e-12)


# --------------------------------------------------------------- the whole path on generated messy panels
@st.composite
def messy_universes(draw):
    """12 names over 80 bars of the kinds messy_panels makes, a 5-day reversal factor on them."""
    n_bars, n_assets = 80, 12
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    prices = 10 * np.exp(np.cumsum(rng.normal(0, 0.03, (n_bars, n_assets)), axis=0))
    for j in range(n_assets):
        kind = draw(st.sampled_from(["plain", "plain", "list", "delist", "bankrupt", "penny", "stale", "holes"]))
        a = draw(st.integers(5, n_bars - 20))
        b = draw(st.integers(a + 5, n_bars - 2))
        _mess(prices, j, kind, a, b, rng, holes=0.2)
    px = pd.DataFrame(prices, index=pd.bdate_range("2020-01-01", periods=n_bars),
                      columns=[f"S{j}" for j in range(n_assets)])
    factor = -(px / px.shift(5) - 1)
    return px, factor, draw(st.sampled_from(["report", "drop"])), draw(st.booleans())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messy_universes())
def test_invariants_on_the_tear_sheet_screen_backtest_and_report(case):
    import warnings as _w

    px, factor, stale, equal = case
    opts = fl.FactorOptions(periods=(1, 5), quantiles=3, max_loss=1.0, stale=stale, equal_weight=equal,
                            cost_bps=25)
    with _w.catch_warnings():
        _w.simplefilter("ignore")
        try:
            ts = fl.create_summary_tear_sheet(factor, px, opts)
        except (fl.errors.DataError, fl.errors.MaxLossExceededError):
            return  # refused with a specific error naming the problem: allowed
        head = ts.tables["headline"].astype(float)
        assert (head.loc["long-short max drawdown"].dropna() >= -1 - 1e-12).all()
        assert (head.loc["turnover per bar"].dropna() >= 0).all()
        net, gross = head.loc["net annual return @ 25 bps"], head.loc["long-short annual return"]
        ok = net.notna() & gross.notna()
        ruined = set(ts.tables["ruins"]["period"]) if "ruins" in ts.tables else set()
        assert all(net[c] <= gross[c] + 1e-12 for c in head.columns[ok] if c not in ruined)
        qr = ts.analysis.interleaved
        for lab in qr.labels:
            assert (qr[lab] >= -1 - 1e-12).all().all() and np.isfinite(qr[lab].to_numpy()).all()
            assert (qr.turnover[lab].to_numpy() >= 0).all()
        res = fl.screen({"rev": factor}, px, options=opts, progress=False)
        assert (res.table["turnover per bar"].dropna() >= 0).all()
        bt = fl.run_backtest(fl.FactorStrategy(factor, options=opts, period=5), px, progress=False,
                             commission=25)
        assert (bt.equity >= -1e-9).all()
        rep = bt.tear_sheet()
        dd = rep.summary().loc["max_drawdown"] if "max_drawdown" in rep.summary().index else None
        if dd is not None:
            assert (pd.to_numeric(dd, errors="coerce").dropna() >= -1 - 1e-12).all()


def test_a_held_name_back_from_a_zero_mark_is_valued():
    """Found by the property test: a short name marked 0 on a bar (a 0 print) then trading again; the
    sleeve that shorted it is valued exactly on the bars after, not passed by the bound."""
    idx = pd.date_range("2021-03-01 09:30", periods=11, freq="min")
    prices = pd.DataFrame({"X0": [2.003298, 4.787012, 0.0, 1.717166, 2.399557, 1.922165, 3.681783, 1.460318,
                                  4.585237, 4.432522, 1.011308]}, index=idx)
    weights = pd.DataFrame({"X0": [0.593874, 0.612747, -0.391066, -1.930287, np.nan, 0.551455, -0.380110,
                                   0.438969, 0.979540, -0.544113, 1.231352]}, index=idx)
    res = fl.interleaved_returns(weights, prices, 2, delay=2, capital=3.0)
    assert (res.equity >= 0).all() and (res.sleeve_equity.to_numpy() >= -1e-12).all()
    assert res.ruined and (res.equity.iloc[4:] == 0).all()


def test_a_ruin_is_point_in_time():
    """Truncation: the run on prices up to bar t equals the full run up to t, through the ruin."""
    weights, prices = _squeeze()
    full = fl.interleaved_returns(weights, prices, period=3, capital=3.0, cost_bps=100)
    for t in range(3, len(prices) + 1):
        part = fl.interleaved_returns(weights.iloc[:t], prices.iloc[:t], period=3, capital=3.0, cost_bps=100)
        pd.testing.assert_series_equal(part.equity, full.equity.iloc[:t], check_exact=True)
        pd.testing.assert_frame_equal(part.ruins, full.ruins[full.ruins["date"] <= prices.index[t - 1]])
