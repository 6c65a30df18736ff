"""Drop-in replacement for the ``alphalens`` package (alphalens-reloaded 0.5.1).

Change ``import alphalens as al`` to ``from factorlab.compat import alphalens as al``:
``al.utils``, ``al.performance``, ``al.plotting`` and ``al.tears`` keep every
public function, its arguments and its numbers; the computations run on
factorlab's vectorised core and the charts on factorlab's plotting functions.
Differences are listed in docs/differences.md.
"""

from factorlab.compat.alphalens import performance, plotting, tears, utils

__all__ = ["performance", "plotting", "tears", "utils"]
