"""Factor analytics: forward returns, binning, and the statistics of a factor."""

from factorlab.factor import _events, _information, _returns, _turnover
from factorlab.factor._decay import ic_decay
from factorlab.factor._events import *  # noqa: F403
from factorlab.factor._forward import ForwardReturns, drop_stale_prices, forward_returns, period_label
from factorlab.factor._inference import HAC_COLUMNS, hac_lags, hac_mean_test
from factorlab.factor._options import FactorOptions
from factorlab.factor._information import *  # noqa: F403
from factorlab.factor._prepare import FactorData, forward_return_columns, prepare_factor_data
from factorlab.factor._preprocess import combine_factors, neutralize, rank, winsorize, zscore
from factorlab.factor._quality import DROP_REASONS, HORIZON_REASONS, DataQualityReport, stale_runs
from factorlab.factor._quantize import quantize_rows
from factorlab.factor._returns import *  # noqa: F403
from factorlab.factor._turnover import *  # noqa: F403

__all__ = [
    "FactorOptions",
    "DROP_REASONS",
    "HORIZON_REASONS",
    "DataQualityReport",
    "drop_stale_prices",
    "HAC_COLUMNS",
    "hac_lags",
    "hac_mean_test",
    "FactorData",
    "ForwardReturns",
    "forward_return_columns",
    "ic_decay",
    "forward_returns",
    "period_label",
    "prepare_factor_data",
    "quantize_rows",
    "stale_runs",
    "winsorize",
    "zscore",
    "rank",
    "neutralize",
    "combine_factors",
    *_information.__all__,
    *_returns.__all__,
    *_turnover.__all__,
    *_events.__all__,
]
