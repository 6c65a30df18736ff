"""Factor evaluations in the run registry: the trial count the verdict deflates for."""

from __future__ import annotations

import warnings

import pytest

import factorlab as fl
from factorlab.errors import ParameterError


@pytest.fixture(scope="module")
def fd(sp500_prices):
    prices = sp500_prices.iloc[:300, :40]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fl.prepare_factor_data(-(prices / prices.shift(5) - 1), prices, periods=(1, 5))


def test_evaluations_are_counted_per_registry_and_name(fd, tmp_path):
    reg = tmp_path / "reg"
    assert fl.count_trials(reg) == 0
    v = fl.factor_verdict(fd)
    run_id = fl.record_factor_evaluation("reversal", fd, v, params={"lookback": 5}, registry=reg)
    fl.record_factor_evaluation("reversal", fd, params={"lookback": 10}, registry=reg)
    fl.record_factor_evaluation("momentum", fd, registry=reg)
    assert fl.count_trials(reg) == 3
    assert fl.count_trials(reg, name="reversal") == 2
    stored = fl.load_run(run_id, registry=reg).record
    assert stored["kind"] == "factor" and stored["params"] == {"lookback": 5}
    assert stored["metrics"]["5D IC mean"] == pytest.approx(v.table.loc["5D", "IC mean"])
    assert stored["settings"]["periods"] == [1, 5]
    # backtests in the same registry are not factor trials
    table = fl.runs(registry=reg)
    assert set(table["kind"]) == {"factor"}


def test_a_nameless_evaluation_is_refused(fd, tmp_path):
    with pytest.raises(ParameterError, match="name"):
        fl.record_factor_evaluation("  ", fd, registry=tmp_path)
