"""factorlab.metrics: empyrical parity on real returns, degenerate inputs, invariance,
ndarray input and no mutation (the empyrical test model)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.stats

import factorlab.metrics as fm

ep = pytest.importorskip("empyrical")

PPY = 252
TOL = 1e-9
K = {"periods_per_year": PPY}


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def rets(sp500_prices) -> pd.DataFrame:
    """Daily returns of a few real stocks (no NaN after the first row)."""
    cols = ["AAPL", "AAL", "JNJ", "XOM", "NVDA"]
    return sp500_prices[cols].pct_change().iloc[1:]


@pytest.fixture(scope="module")
def bench(spx) -> pd.Series:
    return spx.pct_change().iloc[1:].rename("SPX")


def _idx(n: int) -> pd.DatetimeIndex:
    return pd.bdate_range("2021-01-04", periods=n)


DEGENERATE = {
    "empty": pd.Series([], index=pd.DatetimeIndex([]), dtype=float),
    "one_return": pd.Series([0.01], index=_idx(1)),
    "all_nan": pd.Series([np.nan] * 5, index=_idx(5)),
    "constant": pd.Series([0.01] * 10, index=_idx(10)),
    "flat": pd.Series([0.0] * 10, index=_idx(10)),
}
POSITIVE = pd.Series([0.01, 0.02, 0.005, 0.03, 0.01, 0.015], index=_idx(6))
NEGATIVE = -POSITIVE
NAN = float("nan")
C = 1.01**10 - 1
G = 1.01**252 - 1

# metric -> expected on (empty, one_return, all_nan, constant, flat)
EXPECTED = {
    "total_return": (fm.total_return, (NAN, 0.01, NAN, C, 0.0)),
    "cagr": (lambda r: fm.cagr(r, **K), (NAN, G, NAN, G, 0.0)),
    "annual_volatility": (lambda r: fm.annual_volatility(r, **K), (NAN, NAN, NAN, 0.0, 0.0)),
    "sharpe": (lambda r: fm.sharpe_ratio(r, **K), (NAN,) * 5),
    "downside_risk": (lambda r: fm.downside_risk(r, **K), (NAN, 0.0, NAN, 0.0, 0.0)),
    "sortino": (lambda r: fm.sortino_ratio(r, **K), (NAN,) * 5),
    "calmar": (lambda r: fm.calmar_ratio(r, **K), (NAN,) * 5),
    "omega": (lambda r: fm.omega_ratio(r, **K), (NAN,) * 5),
    "max_drawdown": (fm.max_drawdown, (NAN, 0.0, NAN, 0.0, 0.0)),
    "stability": (fm.stability_of_timeseries, (NAN, NAN, NAN, 1.0, NAN)),
    "tail_ratio": (fm.tail_ratio, (NAN, 1.0, NAN, 1.0, NAN)),
    "var": (fm.value_at_risk, (NAN, 0.01, NAN, 0.01, 0.0)),
    "cvar": (fm.conditional_value_at_risk, (NAN, 0.01, NAN, 0.01, 0.0)),
    "skew": (fm.skew, (NAN,) * 5),
    "kurtosis": (fm.kurtosis, (NAN,) * 5),
    "win_rate": (fm.win_rate, (NAN, 1.0, NAN, 1.0, NAN)),
    "psr": (lambda r: fm.probabilistic_sharpe_ratio(r, **K), (NAN,) * 5),
    "information_ratio": (lambda r: fm.information_ratio(r, np.zeros(len(r)), **K), (NAN,) * 5),
    "beta": (lambda r: fm.beta(r, np.full(len(r), 0.01)), (NAN,) * 5),
    "alpha": (lambda r: fm.alpha(r, np.full(len(r), 0.01), **K), (NAN,) * 5),
}
CASES = list(DEGENERATE)


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-12, abs=1e-15)


# ---------------------------------------------------------------- degenerate inputs
@pytest.mark.parametrize("metric", list(EXPECTED))
@pytest.mark.parametrize("case", CASES)
def test_degenerate_series(metric, case):
    func, expected = EXPECTED[metric]
    out = func(DEGENERATE[case])
    assert isinstance(out, float)
    assert _same(out, expected[CASES.index(case)]), (metric, case, out)


@pytest.mark.parametrize("metric", list(EXPECTED))
@pytest.mark.parametrize("case", CASES)
def test_degenerate_ndarray(metric, case):
    func, expected = EXPECTED[metric]
    out = func(DEGENERATE[case].to_numpy())
    assert isinstance(out, float)
    assert _same(out, expected[CASES.index(case)])


@pytest.mark.parametrize("metric", list(EXPECTED))
def test_frame_one_value_per_column(metric):
    """A DataFrame of the degenerate columns gives each column's Series value."""
    func, expected = EXPECTED[metric]
    frame = pd.concat({k: v for k, v in DEGENERATE.items() if k != "empty"}, axis=1)
    out = func(frame)
    assert isinstance(out, pd.Series) and list(out.index) == list(frame.columns)
    for col in frame:
        assert _same(out[col], func(frame[col]))


def test_positive_and_negative_fixtures():
    assert fm.max_drawdown(POSITIVE) == 0.0
    assert fm.win_rate(POSITIVE) == 1.0 and fm.win_rate(NEGATIVE) == 0.0
    assert fm.sharpe_ratio(POSITIVE, **K) > 0 > fm.sharpe_ratio(NEGATIVE, **K)
    assert math.isnan(fm.sortino_ratio(POSITIVE, **K))  # no losing bar
    assert fm.sortino_ratio(NEGATIVE, **K) < 0
    assert math.isnan(fm.omega_ratio(POSITIVE, **K)) and fm.omega_ratio(NEGATIVE, **K) == 0.0
    assert math.isnan(fm.calmar_ratio(POSITIVE, **K))
    assert fm.max_drawdown(NEGATIVE) == pytest.approx(np.prod(1 + NEGATIVE) - 1)
    assert fm.calmar_ratio(NEGATIVE, **K) < 0


# ---------------------------------------------------------------- empyrical parity (1e-9)
UNARY = {
    "total_return": (fm.total_return, ep.cum_returns_final),
    "cagr": (lambda r: fm.cagr(r, **K), ep.cagr),
    "annual_volatility": (lambda r: fm.annual_volatility(r, **K), ep.annual_volatility),
    "sharpe": (lambda r: fm.sharpe_ratio(r, **K), ep.sharpe_ratio),
    "sharpe_rf": (lambda r: fm.sharpe_ratio(r, 0.0001, **K), lambda r: ep.sharpe_ratio(r, 0.0001)),
    "downside_risk": (lambda r: fm.downside_risk(r, 0.001, **K), lambda r: ep.downside_risk(r, 0.001)),
    "sortino": (lambda r: fm.sortino_ratio(r, **K), ep.sortino_ratio),
    "calmar": (lambda r: fm.calmar_ratio(r, **K), ep.calmar_ratio),
    "omega": (lambda r: fm.omega_ratio(r, **K), ep.omega_ratio),
    "omega_req": (lambda r: fm.omega_ratio(r, 0.0, 0.05, **K), lambda r: ep.omega_ratio(r, 0.0, 0.05)),
    "max_drawdown": (fm.max_drawdown, ep.max_drawdown),
    "stability": (fm.stability_of_timeseries, ep.stability_of_timeseries),
    "tail_ratio": (fm.tail_ratio, ep.tail_ratio),
    "var": (fm.value_at_risk, ep.value_at_risk),
    "var_1": (lambda r: fm.value_at_risk(r, 0.01), lambda r: ep.value_at_risk(r, 0.01)),
    "cvar": (fm.conditional_value_at_risk, ep.conditional_value_at_risk),
    "skew": (fm.skew, lambda r: scipy.stats.skew(r, nan_policy="omit")),
    "kurtosis": (fm.kurtosis, lambda r: scipy.stats.kurtosis(r, nan_policy="omit")),
}


@pytest.mark.parametrize("name", list(UNARY))
def test_parity_unary(name, rets, quiet):
    ours, ref = UNARY[name]
    got = ours(rets)
    assert isinstance(got, pd.Series) and list(got.index) == list(rets.columns)
    for col in rets:
        want = float(ref(rets[col]))
        assert ours(rets[col]) == pytest.approx(want, abs=TOL, rel=0)
        assert got[col] == pytest.approx(want, abs=TOL, rel=0)


@pytest.mark.parametrize("name", list(UNARY))
def test_parity_unary_with_nan(name, rets, quiet):
    """Interior NaNs are skipped as empyrical skips them."""
    col = rets["AAPL"].copy()
    col.iloc[[10, 200, 777]] = np.nan
    ours, ref = UNARY[name]
    if name in ("var", "var_1"):  # empyrical's VaR is NaN with any NaN: compare without them
        assert ours(col) == pytest.approx(float(ref(col.dropna())), abs=TOL)
    else:
        assert ours(col) == pytest.approx(float(ref(col)), abs=TOL)


def test_parity_benchmark(rets, bench, quiet):
    ir = fm.information_ratio(rets, bench, **K)
    ab = fm.alpha_beta(rets, bench, **K)
    for col in rets:
        r = rets[col]
        want_ir = ep.excess_sharpe(r, bench.reindex(r.index)) * np.sqrt(PPY)
        assert ir[col] == pytest.approx(want_ir, abs=TOL)
        want_a, want_b = ep.alpha_beta(r, bench)
        assert fm.beta(r, bench) == pytest.approx(ep.beta(r, bench), abs=TOL)
        assert fm.alpha(r, bench, **K) == pytest.approx(ep.alpha(r, bench), abs=TOL)
        assert ab.loc[col, "alpha"] == pytest.approx(want_a, abs=TOL)
        assert ab.loc[col, "beta"] == pytest.approx(want_b, abs=TOL)
        a, b = fm.alpha_beta(r, bench, 0.0001, **K)
        wa, wb = ep.alpha_beta(r, bench, 0.0001)
        assert (a, b) == (pytest.approx(wa, abs=TOL), pytest.approx(wb, abs=TOL))


def test_parity_drawdown_series(rets, quiet):
    got = fm.underwater(rets)
    want = ep.stats.drawdown_series(rets)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), atol=TOL, rtol=0)
    np.testing.assert_allclose(fm.cumulative_returns(rets).to_numpy(),
                               ep.cum_returns(rets).to_numpy(), atol=TOL, rtol=0)
    np.testing.assert_allclose(fm.cumulative_returns(rets, 100).to_numpy(),
                               ep.cum_returns(rets, 100).to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("months,window", [(6, 126), (12, 252)])
def test_parity_rolling(rets, bench, months, window, quiet):
    sub = rets[["AAPL", "XOM"]]
    rs = fm.rolling_sharpe(sub, months, **K)
    rb = fm.rolling_beta(sub, bench, months, **K)
    assert rs.iloc[: window - 1].isna().all().all() and rs.iloc[window - 1:].notna().all().all()
    for col in sub:
        want = ep.roll_sharpe_ratio(sub[col], window=window)
        np.testing.assert_allclose(rs[col].iloc[window - 1:], want, atol=TOL, rtol=0)
        want = ep.roll_beta(sub[col], bench, window=window)
        np.testing.assert_allclose(rb[col].iloc[window - 1:], want, atol=TOL, rtol=0)


def test_rolling_adapts_to_bar_frequency(rng):
    # hourly session bars, 7 a weekday (09:30 .. 15:30): 252 * 7 = 1,764 bars a year
    days = pd.bdate_range("2021-01-04", periods=300)
    idx = (days.repeat(7) + pd.to_timedelta(np.tile(np.arange(7), 300), unit="h") + pd.Timedelta("9h30min"))[:2000]
    r = pd.Series(rng.normal(0, 0.001, len(idx)), index=idx)
    with pytest.warns(fm.AnnualizationWarning, match="1,764"):
        rs = fm.rolling_sharpe(r, 6)
    assert fm.rolling_window_bars(6, 252 * 7) == 882
    assert rs.first_valid_index() == idx[881]
    rs24 = fm.rolling_sharpe(r, 6, market="24h", periods_per_year=365 * 24)
    assert fm.rolling_window_bars(6, 365 * 24) == 4380 > len(idx)
    assert rs24.isna().all()  # six months of 24h hourly bars is longer than the sample
    assert fm.rolling_sharpe(r, window=50, **K).first_valid_index() == idx[49]


def test_rolling_constant_windows_are_nan():
    r = pd.Series([0.01] * 5 + [0.02, -0.01, 0.03], index=_idx(8))
    rs = fm.rolling_sharpe(r, window=3, **K)
    assert rs.iloc[:5].isna().all() and rs.iloc[5:].notna().all()
    rb = fm.rolling_beta(r, pd.Series(0.01, index=r.index), window=3, **K)
    assert rb.isna().all()


# ---------------------------------------------------------------- PSR (Bailey & Lopez de Prado)
def _psr_by_hand(r: list[float], sr_star_annual: float, ppy: float) -> float:
    n = len(r)
    mu = sum(r) / n
    dev = [x - mu for x in r]
    sd = math.sqrt(sum(d * d for d in dev) / (n - 1))
    m2 = sum(d**2 for d in dev) / n
    m3 = sum(d**3 for d in dev) / n
    m4 = sum(d**4 for d in dev) / n
    sr, g3, g4 = mu / sd, m3 / m2**1.5, m4 / m2**2
    z = (sr - sr_star_annual / math.sqrt(ppy)) * math.sqrt(n - 1) / math.sqrt(
        1 - g3 * sr + (g4 - 1) / 4 * sr**2)
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


HAND = [0.012, -0.004, 0.007, 0.021, -0.015, 0.003, 0.009, -0.002, 0.011, 0.004, -0.008, 0.016]


@pytest.mark.parametrize("sr_star", [0.0, 1.0, 2.5])
def test_psr_hand_case(sr_star):
    want = _psr_by_hand(HAND, sr_star, 252)
    got = fm.probabilistic_sharpe_ratio(pd.Series(HAND, index=_idx(len(HAND))), sr_star, **K)
    assert got == pytest.approx(want, abs=1e-12)
    assert fm.probabilistic_sharpe_ratio(np.array(HAND), sr_star, **K) == pytest.approx(want, abs=1e-12)


def test_psr_properties(rets):
    r = rets["AAPL"]
    sr = fm.sharpe_ratio(r, **K)
    assert fm.probabilistic_sharpe_ratio(r, sr, **K) == pytest.approx(0.5, abs=1e-12)
    values = [fm.probabilistic_sharpe_ratio(r, s, **K) for s in (0.0, 0.5, 1.0, 2.0)]
    assert all(a > b for a, b in zip(values, values[1:]))
    assert 0 < values[-1] < values[0] < 1


# ---------------------------------------------------------------- invariance
@pytest.mark.parametrize("name", ["sharpe", "sortino", "tail_ratio", "skew", "kurtosis", "psr",
                                  "win_rate", "information_ratio"])
def test_scale_invariance(name, rets, bench):
    if name == "information_ratio":  # scale both legs
        a = fm.information_ratio(rets, bench, **K)
        b = fm.information_ratio(rets * 3, bench * 3, **K)
    else:
        func = EXPECTED[name][0]
        a, b = func(rets), func(rets * 3)
    np.testing.assert_allclose(a, b, rtol=1e-9)


@pytest.mark.parametrize("name", ["annual_volatility", "skew", "kurtosis"])
def test_shift_invariance(name, rets):
    func = EXPECTED[name][0]
    np.testing.assert_allclose(func(rets), func(rets + 0.001), rtol=1e-9)


def test_linear_scaling(rets, bench):
    np.testing.assert_allclose(fm.annual_volatility(rets * 2, **K), 2 * fm.annual_volatility(rets, **K))
    np.testing.assert_allclose(fm.value_at_risk(rets * 2), 2 * fm.value_at_risk(rets))
    np.testing.assert_allclose(fm.conditional_value_at_risk(rets * 2), 2 * fm.conditional_value_at_risk(rets))
    np.testing.assert_allclose(fm.beta(rets * 2, bench), 2 * fm.beta(rets, bench))
    np.testing.assert_allclose(fm.beta(rets + 0.001, bench), fm.beta(rets, bench))
    assert fm.beta(bench, bench) == pytest.approx(1.0)
    assert fm.alpha(bench, bench, **K) == pytest.approx(0.0, abs=1e-12)


def test_order_invariance(rets, rng):
    perm = rets.iloc[rng.permutation(len(rets))]
    for f in (fm.total_return, fm.skew, fm.kurtosis, fm.value_at_risk, fm.conditional_value_at_risk,
              fm.tail_ratio, fm.win_rate, lambda r: fm.sharpe_ratio(r, **K)):
        np.testing.assert_allclose(f(perm), f(rets), rtol=1e-9)
    # path-dependent statistics change with the order
    assert not np.allclose(fm.max_drawdown(perm), fm.max_drawdown(rets))


def test_adding_positive_returns_improves(rets):
    better = rets + 0.0005
    assert (fm.max_drawdown(better) >= fm.max_drawdown(rets)).all()
    assert (fm.sharpe_ratio(better, **K) > fm.sharpe_ratio(rets, **K)).all()
    assert (fm.cagr(better, **K) > fm.cagr(rets, **K)).all()


def test_mixed_columns_frame():
    df = pd.DataFrame({"ok": [0.01, -0.02, 0.03, 0.005], "nan": [np.nan] * 4}, index=_idx(4))
    s = fm.sharpe_ratio(df, **K)
    assert math.isnan(s["nan"]) and s["ok"] == pytest.approx(fm.sharpe_ratio(df["ok"], **K))
    late = pd.Series([np.nan, np.nan, 0.01, 0.02], index=_idx(4))
    assert fm.cagr(late, **K) == pytest.approx((1.01 * 1.02) ** 63 - 1)  # 4 rows: empyrical's years


# ---------------------------------------------------------------- ndarray input
ALL_UNARY = {k: v[0] for k, v in UNARY.items()}


@pytest.mark.parametrize("name", list(ALL_UNARY))
def test_ndarray_matches_pandas(name, rets):
    f = ALL_UNARY[name]
    arr = rets.to_numpy()
    got2 = f(arr)
    assert isinstance(got2, np.ndarray) and got2.shape == (rets.shape[1],)
    np.testing.assert_allclose(got2, f(rets).to_numpy(), rtol=1e-12, atol=1e-15)
    assert f(arr[:, 0]) == pytest.approx(f(rets.iloc[:, 0]), rel=1e-12)


def test_ndarray_benchmark_and_rolling(rets, bench):
    b = bench.reindex(rets.index).to_numpy()
    np.testing.assert_allclose(fm.beta(rets.to_numpy(), b), fm.beta(rets, bench).to_numpy())
    ab = fm.alpha_beta(rets.to_numpy(), b, **K)
    assert ab.shape == (rets.shape[1], 2)
    rs = fm.rolling_sharpe(rets.to_numpy()[:, 0], window=126, **K)
    np.testing.assert_allclose(rs, fm.rolling_sharpe(rets.iloc[:, 0], window=126, **K).to_numpy())
    np.testing.assert_allclose(fm.underwater(rets.to_numpy()), fm.underwater(rets).to_numpy())


# ---------------------------------------------------------------- no mutation
def test_inputs_never_mutated(rets, bench):
    r = rets.copy()
    r.iloc[5, 0] = np.nan
    b = bench.copy()
    r0, b0 = r.copy(), b.copy()
    arr = r.to_numpy().copy()
    arr0 = arr.copy()
    for f in list(ALL_UNARY.values()) + [fm.underwater, fm.cumulative_returns]:
        f(r), f(r.iloc[:, 0]), f(arr)
    fm.information_ratio(r, b, **K), fm.alpha_beta(r, b, **K), fm.beta(arr, b.reindex(r.index).to_numpy())
    fm.rolling_sharpe(r, **K), fm.rolling_beta(r, b, **K)
    fm.drawdown_table(r.iloc[:, 0]), fm.summary_stats(r, b, PPY), fm.monthly_returns_table(r.iloc[:, 0])
    pd.testing.assert_frame_equal(r, r0)
    pd.testing.assert_series_equal(b, b0)
    np.testing.assert_array_equal(arr, arr0)


# ---------------------------------------------------------------- errors
def test_bad_input_raises():
    from factorlab.errors import NonNumericDataError, ParameterError

    with pytest.raises(ParameterError, match="Series, DataFrame or numpy"):
        fm.sharpe_ratio("abc", **K)
    with pytest.raises(NonNumericDataError):
        fm.sharpe_ratio(pd.Series(["a", "b"]), **K)
    with pytest.raises(ParameterError, match="cutoff"):
        fm.value_at_risk(POSITIVE, 1.5)
    with pytest.raises(ParameterError, match="periods_per_year"):
        fm.sharpe_ratio(POSITIVE, periods_per_year=-1)
    with pytest.raises(ParameterError, match="market"):
        fm.sharpe_ratio(POSITIVE, market="bonds")


def test_no_matplotlib_import():
    import ast
    from pathlib import Path

    for path in Path(fm.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not any(n.startswith("matplotlib") for n in names), path


def test_warns_when_inferred_and_not_when_explicit():
    with pytest.warns(fm.AnnualizationWarning, match="252"):
        fm.sharpe_ratio(POSITIVE)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fm.sharpe_ratio(POSITIVE, **K)
