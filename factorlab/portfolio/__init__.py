"""Portfolios from factors: target weights and N-interleaved sleeve returns."""

from factorlab.portfolio._interleaved import InterleavedResult, interleaved_returns
from factorlab.portfolio._interleaved_quantiles import QuantileReturns, quantile_interleaved_returns
from factorlab.portfolio._weights import concentration, factor_weights, row_weights

__all__ = [
    "concentration",
    "factor_weights",
    "row_weights",
    "InterleavedResult",
    "interleaved_returns",
    "QuantileReturns",
    "quantile_interleaved_returns",
]
