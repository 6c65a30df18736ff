"""Compatibility layers for users of other tools (``factorlab.compat.alphalens``)."""
