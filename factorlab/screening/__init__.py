"""Screening many factors at once: one table of honest single-factor statistics (:func:`screen`)."""

from factorlab.screening._result import ScreenCorrelation, ScreenResult
from factorlab.screening._screen import ADJUSTMENTS, adjust_pvalues, screen

__all__ = ["ADJUSTMENTS", "ScreenCorrelation", "ScreenResult", "adjust_pvalues", "screen"]
