"""Factor analytics: forward returns, binning, and the statistics of a factor."""

from factorlab.factor._forward import ForwardReturns, forward_returns, period_label
from factorlab.factor._prepare import FactorData, forward_return_columns, prepare_factor_data
from factorlab.factor._quality import DROP_REASONS, DataQualityReport, stale_runs
from factorlab.factor._quantize import quantize_rows

__all__ = [
    "DROP_REASONS",
    "DataQualityReport",
    "FactorData",
    "ForwardReturns",
    "forward_return_columns",
    "forward_returns",
    "period_label",
    "prepare_factor_data",
    "quantize_rows",
    "stale_runs",
]
