"""The report's charts: one small matplotlib Figure per chart, rendered to PNG data URIs.

Figures are built with :class:`matplotlib.figure.Figure` directly (not
pyplot), so they are never registered globally and are freed as soon as
their image is taken.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from factorlab.errors import ParameterError
from factorlab.plotting import _performance as pp

__all__ = ["PLOT_NAMES", "build_figure", "render_images", "render_crisis_images", "figure_data_uri"]

_WIDE, _HALF = (10.0, 3.4), (5.0, 3.4)


def _cumulative(sheet, ax: Axes, logy: bool) -> None:
    bench = sheet.cumulative["benchmark"] if sheet.benchmark is not None else None
    pp.plot_cumulative_vs_benchmark(sheet.cumulative["strategy"], bench, logy=logy, ax=ax)


def _heatmap_size(sheet) -> tuple[float, float]:
    return (10.0, max(2.2, 0.32 * len(sheet.monthly_returns) + 1.0))


def _annual(sheet, ax: Axes) -> None:
    annual = sheet.annual_returns["strategy"]
    pp.plot_annual_returns(annual, mean=float(annual.mean()), ax=ax)


#: name -> (applies to the sheet?, figure size, draw on an axes)
_CHARTS: dict[str, tuple[Callable, Callable | tuple, Callable]] = {
    "cumulative": (lambda s: True, _WIDE, lambda s, ax: _cumulative(s, ax, False)),
    "cumulative_log": (lambda s: True, _WIDE, lambda s, ax: _cumulative(s, ax, True)),
    "daily_returns": (lambda s: True, (10.0, 2.8), lambda s, ax: pp.plot_daily_returns(s.returns, ax=ax)),
    "monthly_heatmap": (lambda s: True, _heatmap_size,
                        lambda s, ax: pp.plot_monthly_heatmap(s.monthly_returns, ax=ax)),
    "annual_returns": (lambda s: True, _HALF, _annual),
    "distribution": (lambda s: True, _HALF, lambda s, ax: pp.plot_return_distribution(s.returns, ax=ax)),
    "drawdown": (lambda s: True, _WIDE,
                 lambda s, ax: pp.plot_drawdown_periods(s.cumulative["strategy"], s.drawdowns, ax=ax)),
    "underwater": (lambda s: True, (10.0, 2.8),
                   lambda s, ax: pp.plot_underwater(s.underwater, s.drawdowns, ax=ax)),
    "rolling_beta": (lambda s: s.rolling_beta is not None, (10.0, 2.8),
                     lambda s, ax: pp.plot_rolling_beta(s.rolling_beta, ax=ax)),
    "rolling_sharpe": (lambda s: True, (10.0, 2.8),
                       lambda s, ax: pp.plot_rolling_sharpe(s.rolling_sharpe, ax=ax)),
    "leverage": (lambda s: s.exposure is not None, (10.0, 2.8),
                 lambda s, ax: pp.plot_leverage(s.exposure["gross"], ax=ax)),
    "exposure": (lambda s: s.exposure is not None, (10.0, 2.8),
                 lambda s, ax: pp.plot_exposure(s.exposure, ax=ax)),
    "returns_per_trade": (lambda s: s.trade_returns is not None, _HALF,
                          lambda s, ax: pp.plot_returns_per_trade(s.trade_returns, ax=ax)),
}

#: The chart names: keys of ``plots`` in templates and arguments of ``ReturnsTearSheet.figure``.
PLOT_NAMES: tuple[str, ...] = tuple(_CHARTS)


def build_figure(sheet, name: str) -> Figure | None:
    """The Figure of chart ``name`` for ``sheet``; None when the chart does not apply.

    Raises
    ------
    ParameterError
        For an unknown chart name.
    """
    if name not in _CHARTS:
        raise ParameterError(f"unknown chart {name!r}; choose one of {', '.join(PLOT_NAMES)}")
    applies, size, draw = _CHARTS[name]
    if not applies(sheet):
        return None
    fig = _figure(size(sheet) if callable(size) else size)
    draw(sheet, fig.add_subplot())
    return fig


def _figure(size: tuple[float, float], margins: tuple[float, float, float, float] = (0.7, 0.15, 0.35, 0.4)
            ) -> Figure:
    """A Figure with fixed margins in inches (left, right, top, bottom): no layout pass at draw time."""
    width, height = size
    left, right, top, bottom = margins
    fig = Figure(figsize=size)
    fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height,
                        bottom=bottom / height)
    return fig


def figure_data_uri(fig: Figure, dpi: int) -> str:
    """PNG ``data:`` URI of ``fig``; the figure's artists are cleared afterwards."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None},
                pil_kwargs={"compress_level": 1})
    fig.clear()
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def render_images(sheet) -> dict[str, str | None]:
    """Every chart of ``sheet`` as a PNG data URI (None where it does not apply)."""
    out: dict[str, str | None] = {}
    for name in PLOT_NAMES:
        fig = build_figure(sheet, name)
        out[name] = None if fig is None else figure_data_uri(fig, sheet.dpi)
    return out


def render_crisis_images(sheet) -> list[str]:
    """One PNG data URI per crisis window of ``sheet``."""
    images = []
    for window in sheet.crisis:
        fig = _figure((3.4, 2.2), (0.5, 0.1, 0.3, 0.3))
        ax = fig.add_subplot()
        pp.plot_crisis_event(window.cumulative, window.benchmark, ax=ax, title=window.title)
        ax.title.set_fontsize(9)
        images.append(figure_data_uri(fig, sheet.dpi))
    return images
