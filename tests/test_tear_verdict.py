"""The verdict block of the factor tear sheet, and trials counted through the registry."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import factorlab as fl
from factorlab.errors import ParameterError


def _summary(*args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fl.create_summary_tear_sheet(*args, **kw)


@pytest.fixture(scope="module")
def data(sp500_prices):
    prices = sp500_prices.iloc[:500, :60]
    return -(prices / prices.shift(5) - 1), prices


def test_verdict_leads_the_tear_sheet(data):
    factor, prices = data
    ts = _summary(factor, prices, periods=(1, 5), cost_bps=10)
    v = ts.verdict
    assert list(ts.sections["summary"].items[0]) == ["table", "verdict"]
    assert list(ts.tables["verdict"].index) == ["1D", "5D"]
    assert "Sharpe net @ 10 bps" in ts.tables["verdict"].columns
    html = ts._repr_html_()
    assert html.index("Verdict") < html.index("summary") or html.index("Verdict") < html.index("headline")
    for text in v.sentences:
        assert text.split(":")[0][:20] in html
    # the verdict's numbers are the factor_verdict of the same factor data
    direct = fl.factor_verdict(ts.analysis.fd, cost_bps=10)
    assert direct.table["IC HAC p-value"].equals(v.table["IC HAC p-value"])


def test_tracked_evaluations_count_as_trials(data, tmp_path):
    factor, prices = data
    first = _summary(factor, prices, periods=(5,), track=True, name="reversal", registry=tmp_path)
    second = _summary(factor, prices, periods=(5,), track=True, name="reversal", registry=tmp_path)
    assert first.analysis.n_trials == 1 and second.analysis.n_trials == 2
    assert fl.count_trials(tmp_path) == 2
    p1 = first.verdict.table.loc["5D", "IC HAC p-value adjusted"]
    p2 = second.verdict.table.loc["5D", "IC HAC p-value adjusted"]
    assert p2 == pytest.approx(min(1.0, 2 * p1))
    given = _summary(factor, prices, periods=(5,), n_trials=7)
    assert given.verdict.n_trials == 7
    with pytest.raises(ParameterError, match="name"):
        _summary(factor, prices, periods=(5,), track=True, registry=tmp_path)
    with pytest.raises(ParameterError, match="n_trials"):
        _summary(factor, prices, periods=(5,), n_trials=0)


def test_one_spread_across_headline_table_verdict_and_chart(data):
    from factorlab.tears._analysis import SPREAD_LABEL

    factor, prices = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ts = fl.create_full_tear_sheet(factor, prices, periods=(1, 5))
    a = ts.analysis
    head = ts.tables["headline"].loc[SPREAD_LABEL]
    table = ts.tables["returns_table"].loc[SPREAD_LABEL]
    pd.testing.assert_series_equal(head, table, check_names=False)
    assert (ts.verdict.table["spread per bar"] * 1e4).to_numpy() == pytest.approx(head.to_numpy(), rel=1e-12)
    # the chart draws the per-date version of the same quantity (per-bar rates, top minus bottom)
    rates = a.mean_return_by_date_rate
    per_date = rates.xs(a.top, level="factor_quantile") - rates.xs(1, level="factor_quantile")
    pooled = a.mean_return_rate.loc[a.top] - a.mean_return_rate.loc[1]
    assert (pooled * 1e4).to_numpy() == pytest.approx(head.to_numpy(), rel=1e-12)
    pd.testing.assert_frame_equal(a.spread_moving_average, per_date.rolling(
        a.ma_window, min_periods=max(1, a.ma_window // 2)).mean())
    assert "vs equal-weighted universe" in ts.tables["returns_table"].index[0]


def test_alpha_beta_against_the_users_benchmark(data, spx):
    """With a benchmark, the returns table adds alpha and beta of the long-short sleeves against it: the
    slope and intercept of statsmodels' OLS of the per-bar sleeve returns on the index's per-bar returns."""
    import numpy as np
    import statsmodels.api as sm

    factor, prices = data
    ts = _summary(factor, prices, periods=(5,), benchmark=spx.rename("SPX"))
    table = ts.tables["returns_table"]
    alpha_row = "Ann. alpha (long-short sleeves vs SPX, per bar)"
    beta_row = "beta (long-short sleeves vs SPX, per bar)"
    assert {"Ann. alpha (vs equal-weighted universe)", alpha_row, beta_row} <= set(table.index)
    r = ts.analysis.interleaved["5D"]["long_short"]
    level = spx.reindex(spx.index.union(r.index)).ffill().reindex(r.index)
    b = level / level.shift(1) - 1
    b.iloc[0] = level.iloc[0] / spx[spx.index < r.index[0]].iloc[-1] - 1
    both = pd.concat([r, b], axis=1).dropna()
    fit = sm.OLS(both.iloc[:, 0].to_numpy(), sm.add_constant(both.iloc[:, 1].to_numpy())).fit()
    assert table.loc[beta_row, "5D"] == pytest.approx(fit.params[1], rel=1e-9)
    assert table.loc[alpha_row, "5D"] == pytest.approx((1 + fit.params[0]) ** 252 - 1, rel=1e-6)
    # shown in percent a year, beta as a ratio, in the HTML
    html = ts._repr_html_()
    assert f"{table.loc[alpha_row, '5D']:+.2%}" in html and f"{table.loc[beta_row, '5D']:+.2f}" in html
    assert np.isfinite(table.loc[beta_row, "5D"])
    # without a benchmark the rows are absent
    plain = _summary(factor, prices, periods=(5,)).tables["returns_table"]
    assert alpha_row not in plain.index
