"""Returns reports: key statistics, charts, crisis events, notebook view and HTML.

::

    from factorlab.report import create_returns_tear_sheet
    sheet = create_returns_tear_sheet(returns, benchmark)   # shows inline in Jupyter
    sheet.summary()                                        # statistics table
    sheet.figure("drawdown")                               # one matplotlib Figure
    sheet.to_html("report.html")                           # self-contained page
    sheet.to_html("custom.html", template="my.html.j2", css="my.css")

The charts are drawn by :mod:`factorlab.plotting._performance`; the
statistics come from :mod:`factorlab.metrics`. Template keys are documented
in :data:`TEMPLATE_KEYS` and in :mod:`factorlab.report._html`; the crisis
events in :data:`CRISIS_EVENTS`.
"""

from __future__ import annotations

from factorlab.report._crisis import CRISIS_EVENTS, CrisisEvent, CrisisWindow, crisis_windows
from factorlab.report._html import (
    KPI_KEYS,
    TEMPLATE_KEYS,
    default_css_path,
    default_template_path,
    render_html,
)
from factorlab.report._model import (
    Report,
    Section,
    benchmark_kind,
    benchmark_level,
    benchmark_returns,
)
from factorlab.report._names import PLOT_NAMES
from factorlab.report._tearsheet import ROLLING_MONTHS, ReturnsTearSheet, create_returns_tear_sheet

__all__ = [
    "CRISIS_EVENTS",
    "KPI_KEYS",
    "PLOT_NAMES",
    "ROLLING_MONTHS",
    "TEMPLATE_KEYS",
    "CrisisEvent",
    "CrisisWindow",
    "Report",
    "ReturnsTearSheet",
    "Section",
    "benchmark_kind",
    "benchmark_level",
    "benchmark_returns",
    "create_returns_tear_sheet",
    "crisis_windows",
    "default_css_path",
    "default_template_path",
    "render_html",
]
