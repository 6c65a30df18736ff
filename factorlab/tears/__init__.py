"""Tear sheets: compose factor statistics and plots into inline/HTML reports."""

from factorlab.plotting._charts import Chart, Figures
from factorlab.tears._analysis import ViolinStats, ic_histogram, ic_qq_points, violin_stats
from factorlab.tears._factor import (
    create_by_group_tear_sheet,
    create_event_returns_tear_sheet,
    create_factor_returns_tear_sheet,
    create_full_tear_sheet,
    create_information_tear_sheet,
    create_summary_tear_sheet,
    create_turnover_tear_sheet,
)
from factorlab.tears._tearsheet import Section, TearSheet

__all__ = [
    "Chart",
    "Figures",
    "Section",
    "TearSheet",
    "ViolinStats",
    "create_by_group_tear_sheet",
    "create_event_returns_tear_sheet",
    "create_factor_returns_tear_sheet",
    "create_full_tear_sheet",
    "create_information_tear_sheet",
    "create_summary_tear_sheet",
    "create_turnover_tear_sheet",
    "ic_histogram",
    "ic_qq_points",
    "violin_stats",
]
