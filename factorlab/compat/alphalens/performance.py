"""Alphalens' ``performance`` module names, computed by factorlab.

Every public function of ``alphalens.performance`` (alphalens-reloaded
0.5.1) with the same arguments and the same numbers; the factor data
argument is the Alphalens-layout frame (``FactorData.frame`` or the output of
:func:`factorlab.compat.alphalens.utils.get_clean_factor_and_forward_returns`).
"""

from factorlab.compat.alphalens import _perf_events, _perf_portfolio, _perf_returns
from factorlab.compat.alphalens._perf_events import *  # noqa: F403
from factorlab.compat.alphalens._perf_portfolio import *  # noqa: F403
from factorlab.compat.alphalens._perf_returns import *  # noqa: F403

__all__ = [*_perf_returns.__all__, *_perf_events.__all__, *_perf_portfolio.__all__]
