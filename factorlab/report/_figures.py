"""The report's charts: one small matplotlib Figure per chart, rendered to SVG or PNG data URIs.

Figures are built with :class:`matplotlib.figure.Figure` directly (not
pyplot), so they are never registered globally and are freed as soon as
their image is taken.
"""

from __future__ import annotations

import base64
import io
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_mixed import MixedModeRenderer
from matplotlib.backends.backend_svg import FigureCanvasSVG, RendererSVG
from matplotlib.figure import Figure

from factorlab.errors import ParameterError
from factorlab.plotting import _performance as pp
from factorlab.plotting._style import freeze_ticks, reset_axes
from factorlab.plotting._tables import SharedTextMetrics, figure_to_data_uri
from factorlab.report._names import PLOT_NAMES

__all__ = ["PLOT_NAMES", "build_crisis_figure", "build_figure", "figure_data_uri", "render_all"]

_WIDE, _HALF = (10.0, 3.4), (5.0, 3.4)


def _cumulative(sheet, ax: Axes, logy: bool) -> None:
    bench = sheet.cumulative["benchmark"] if sheet.benchmark is not None else None
    pp.plot_cumulative_vs_benchmark(sheet.cumulative["strategy"], bench, logy=logy, ax=ax)


def _heatmap_size(sheet) -> tuple[float, float]:
    return (10.0, max(2.2, 0.32 * len(sheet.monthly_returns) + 1.0))


def _annual(sheet, ax: Axes) -> None:
    annual = sheet.annual_returns["strategy"]
    pp.plot_annual_returns(annual, mean=float(annual.mean()), ax=ax)


def _has_values(frame) -> bool:
    """A table exists and holds at least one number (rolling windows longer than the data do not)."""
    return frame is not None and bool(frame.notna().to_numpy().any())


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
    "rolling_beta": (lambda s: _has_values(s.rolling_beta), (10.0, 2.8),
                     lambda s, ax: pp.plot_rolling_beta(s.rolling_beta, ax=ax)),
    "rolling_sharpe": (lambda s: _has_values(s.rolling_sharpe), (10.0, 2.8),
                       lambda s, ax: pp.plot_rolling_sharpe(s.rolling_sharpe, ax=ax)),
    "leverage": (lambda s: _has_values(s.exposure), (10.0, 2.8),
                 lambda s, ax: pp.plot_leverage(s.exposure["gross"], ax=ax)),
    "exposure": (lambda s: _has_values(s.exposure), (10.0, 2.8),
                 lambda s, ax: pp.plot_exposure(s.exposure, ax=ax)),
    "returns_per_trade": (lambda s: s.trade_returns is not None, _HALF,
                          lambda s, ax: pp.plot_returns_per_trade(s.trade_returns, ax=ax)),
}

assert tuple(_CHARTS) == PLOT_NAMES, "chart registry and PLOT_NAMES disagree"


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


#: Margins of a chart in inches (left, right, top, bottom).
_MARGINS = (0.7, 0.15, 0.35, 0.4)


def _figure(size: tuple[float, float], margins: tuple[float, float, float, float] = _MARGINS) -> Figure:
    """A Figure with fixed margins in inches (left, right, top, bottom): no layout pass at draw time."""
    width, height = size
    left, right, top, bottom = margins
    fig = Figure(figsize=size)
    fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height,
                        bottom=bottom / height)
    return fig


#: Image formats of the report: SVG (vector, text left to the browser) or PNG.
IMAGE_FORMATS = ("svg", "png")


#: rcParams of every image: SVG text as <text> (laid out by the browser), fixed id salt (deterministic).
_IMAGE_RC = {"svg.fonttype": "none", "svg.hashsalt": "factorlab"}


class _SharedMetricsRendererSVG(SharedTextMetrics, RendererSVG):
    """An SVG renderer that shares its text metrics with the other images of one report.

    SVG text metrics depend only on the string and the font (matplotlib lays
    text out at a fixed 72 dpi for SVG), not on the image, so the many
    repeated tick labels of a report are measured once instead of once per
    image (matplotlib's own cache lives and dies with each renderer).
    """

    def __init__(self, width: float, height: float, svgwriter, *, metrics: dict, **kwargs) -> None:
        super().__init__(width, height, svgwriter, **kwargs)
        self._shared_metrics = metrics


class _ReportCanvasSVG(FigureCanvasSVG):
    """:class:`FigureCanvasSVG` drawing with :class:`_SharedMetricsRendererSVG` (else the same print_svg)."""

    def __init__(self, figure: Figure, metrics: dict) -> None:
        super().__init__(figure)
        self._metrics = metrics

    def print_svg(self, filename, *, bbox_inches_restore=None, metadata=None, **_ignored) -> None:
        dpi = self.figure.dpi
        self.figure.dpi = 72  # as FigureCanvasSVG.print_svg; savefig restores the figure's dpi
        width, height = self.figure.get_size_inches()
        renderer = MixedModeRenderer(
            self.figure, width, height, dpi,
            _SharedMetricsRendererSVG(width * 72, height * 72, filename, image_dpi=dpi, metadata=metadata,
                                      metrics=self._metrics),
            bbox_inches_restore=bbox_inches_restore)
        self.figure.draw(renderer)
        renderer.finalize()


def _image_uri(fig: Figure, image_format: str, dpi: int, metrics: dict | None = None) -> str:
    """``data:`` URI of ``fig`` as SVG or PNG; call inside ``rc_context(_IMAGE_RC)``.

    ``metrics``: a text-metrics cache shared by the SVG images of one report.
    """
    if image_format == "svg":
        text = io.StringIO()
        previous = fig.canvas
        _ReportCanvasSVG(fig, {} if metrics is None else metrics)
        try:
            fig.savefig(text, format="svg", metadata={"Date": None})
        finally:
            fig.set_canvas(previous)
        return "data:image/svg+xml;base64," + base64.b64encode(text.getvalue().encode("utf-8")).decode("ascii")
    # the one PNG path of the product: shared text images, unfiltered rows at zlib level 1
    return figure_to_data_uri(fig, "png", dpi=dpi, tight=False)


def figure_data_uri(fig: Figure, image_format: str = "svg", dpi: int = 72) -> str:
    """``data:`` URI of ``fig`` ('svg' or 'png' at ``dpi``); the figure is cleared afterwards."""
    with rc_context(_IMAGE_RC):
        uri = _image_uri(fig, image_format, dpi)
    fig.clear()
    return uri


# ------------------------------------------------------- parallel rendering
#: Rough relative cost of each image, to balance the work across processes.
_COST = {"monthly_heatmap": 3.0, "distribution": 1.3, "crisis": 0.4}
_FORKED_SHEET = None  # the sheet a forked worker renders (inherited at fork time)

Job = tuple[str, object]  # ('chart', name) or ('crisis', index)


def _resize(fig: Figure, size: tuple[float, float],
            margins: tuple[float, float, float, float] = _MARGINS) -> None:
    """Give ``fig`` the size and the fixed margins (inches) of :func:`_figure`."""
    width, height = size
    left, right, top, bottom = margins
    fig.set_size_inches(size)
    fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height,
                        bottom=bottom / height)


_CRISIS_SIZE, _CRISIS_MARGINS = (3.4, 2.2), (0.5, 0.35, 0.3, 0.3)
#: Charts that restyle the ticks (length, label size) of the axes they draw on.
_TICK_STYLING = frozenset({"monthly_heatmap", "crisis"})
#: Charts without the y grid; every other chart (and crisis panel) sets the same
#: light y grid and no x grid (``plotting._performance._finish``).
_NO_GRID = frozenset({"monthly_heatmap"})


def _draw_crisis(window, ax: Axes) -> None:
    pp.plot_crisis_event(window.cumulative, window.benchmark, ax=ax, title=window.title)
    ax.title.set_fontsize(9)


def build_crisis_figure(window) -> Figure:
    """The Figure of one crisis panel (a :class:`CrisisWindow` of ``sheet.crisis``)."""
    fig = _figure(_CRISIS_SIZE, _CRISIS_MARGINS)
    _draw_crisis(window, fig.add_subplot())
    return fig


def _draw_job(sheet, job: Job, ax: Axes) -> None:
    kind, key = job
    if kind == "crisis":
        _draw_crisis(sheet.crisis[key], ax)
    else:
        _CHARTS[key][2](sheet, ax)


def _job_size(sheet, job: Job) -> tuple[tuple[float, float], tuple[float, float, float, float]]:
    if job[0] == "crisis":
        return _CRISIS_SIZE, _CRISIS_MARGINS
    size = _CHARTS[job[1]][1]
    return (size(sheet) if callable(size) else size), _MARGINS


def _run_jobs(sheet, jobs: list[Job]) -> list[str]:
    """Render jobs in this process, all on one Figure and Axes, resized and reset between images.

    Building an axes and its ticks is a large part of a small chart's cost;
    the images equal those of fresh figures (a test compares them). One rc
    context and one text-metrics cache serve every image of the call.
    """
    ax: Axes | None = None
    previous = None
    metrics: dict = {}
    uris = []
    with rc_context(_IMAGE_RC):
        for job in jobs:
            size, margins = _job_size(sheet, job)
            kind = job[0] if job[0] == "crisis" else job[1]
            if ax is None:
                ax = _figure(size, margins).add_subplot()
            else:
                reset_axes(ax, tick_style=previous in _TICK_STYLING and previous != kind,
                           grid=kind in _NO_GRID)
                _resize(ax.figure, size, margins)
            _draw_job(sheet, job, ax)
            previous = kind
            freeze_ticks(ax, restore_on_zoom=False)
            uris.append(_image_uri(ax.figure, sheet.image_format, sheet.dpi, metrics))
    return uris  # the figure is not registered anywhere: dropping it frees it (no costly clear())


def _run_forked(jobs: list[Job]) -> list[str]:
    return _run_jobs(_FORKED_SHEET, jobs)


def _balance(jobs: list[Job], groups: int) -> list[list[Job]]:
    """Greedy split of the jobs into ``groups`` lists of similar total cost."""
    buckets: list[list[Job]] = [[] for _ in range(groups)]
    load = [0.0] * groups
    for job in sorted(jobs, key=lambda j: -_COST.get(j[0] if j[0] == "crisis" else j[1], 1.0)):
        k = load.index(min(load))
        buckets[k].append(job)
        load[k] += _COST.get(job[0] if job[0] == "crisis" else job[1], 1.0)
    return buckets


def render_all(sheet, workers: int = 1) -> tuple[dict[str, str | None], list[str]]:
    """Every chart image and every crisis image of ``sheet``.

    With ``workers > 1`` (and where the 'fork' start method exists) the images
    are split over ``workers - 1`` forked processes and this one; the results
    are identical to ``workers=1``.

    Returns
    -------
    (dict name -> data URI or None, list of crisis data URIs in ``sheet.crisis`` order)
    """
    global _FORKED_SHEET
    jobs: list[Job] = [("chart", n) for n in PLOT_NAMES if _CHARTS[n][0](sheet)]
    jobs += [("crisis", i) for i in range(len(sheet.crisis))]
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods() and len(jobs) > 2:
        groups = [g for g in _balance(jobs, workers) if g]
        _FORKED_SHEET = sheet
        try:
            with ProcessPoolExecutor(len(groups) - 1, mp_context=multiprocessing.get_context("fork")) as pool:
                futures = [pool.submit(_run_forked, g) for g in groups[1:]]
                results = dict(zip(groups[0], _run_jobs(sheet, groups[0])))
                for group, future in zip(groups[1:], futures):
                    results.update(zip(group, future.result()))
        finally:
            _FORKED_SHEET = None
    else:
        results = dict(zip(jobs, _run_jobs(sheet, jobs)))
    images = {name: results.get(("chart", name)) for name in PLOT_NAMES}
    return images, [results[("crisis", i)] for i in range(len(sheet.crisis))]
