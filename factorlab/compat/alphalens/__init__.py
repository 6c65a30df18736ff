"""Drop-in replacement for the ``alphalens`` package's analysis functions.

Change ``import alphalens`` to ``from factorlab.compat import alphalens``
and ``alphalens.utils.get_clean_factor_and_forward_returns``,
``alphalens.performance.*`` keep their arguments and their numbers.
"""

from factorlab.compat.alphalens import performance, utils

__all__ = ["performance", "utils"]
