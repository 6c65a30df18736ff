"""The returns report's charts, as :class:`~factorlab.plotting._charts.Chart` recipes of the one pipeline.

Each chart is a new :class:`matplotlib.figure.Figure` (not pyplot: never
registered globally, freed when dropped) drawn by a plot function and
written by :func:`~factorlab.plotting._charts.figure_to_data_uri`, as the
factor tear sheet's charts are.
"""

from __future__ import annotations

import textwrap

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import partial

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from factorlab.errors import ParameterError
from factorlab.plotting import _backtest_charts as bc
from factorlab.plotting import _performance as pp
from factorlab.plotting._charts import Chart, figure_to_data_uri
from factorlab.report._names import PLOT_NAMES

__all__ = ["PLOT_NAMES", "build_crisis_figure", "build_figure", "chart", "figure_data_uri", "render_all"]

#: Figure sizes (inches) of the report's two-column page: a wide chart spans both columns, a half
#: chart one; at the default 80 dpi both show at about their natural size in the page (1,100 px).
_WIDE, _HALF = (13.0, 3.6), (6.4, 3.2)


def _cumulative(sheet, ax: Axes, logy: bool) -> None:
    bench = sheet.cumulative["benchmark"].rename(sheet.benchmark.name) if sheet.benchmark is not None else None
    pp.plot_cumulative_vs_benchmark(sheet.cumulative["strategy"], bench, logy=logy, ax=ax)


def _log_scale_applies(sheet) -> bool:
    """A log scale shows the growth of 1 (``1 + cumulative``) only while it stays > 0: a strategy (or
    benchmark) that lost 100% gets the linear cumulative chart only."""
    cum = sheet.cumulative["strategy"]
    curves = [cum] if sheet.benchmark is None else [cum, sheet.cumulative["benchmark"]]
    return all(bool((c.dropna() > -1.0).all()) for c in curves)


def _heatmap_size(sheet) -> tuple[float, float]:
    return (_WIDE[0], max(2.2, 0.32 * len(sheet.monthly_returns) + 1.0))


def _annual(sheet, ax: Axes) -> None:
    annual = sheet.annual_returns["strategy"]
    bench = sheet.annual_returns["benchmark"].rename(sheet.benchmark.name) if sheet.benchmark is not None else None
    pp.plot_annual_returns(annual, mean=float(annual.mean()), benchmark=bench, ax=ax)


def _has_values(frame) -> bool:
    """A table exists and holds at least one number (rolling windows longer than the data do not)."""
    return frame is not None and bool(frame.notna().to_numpy().any())


def _has_trading(sheet, key: str) -> bool:
    return bool(sheet.trading) and sheet.trading.get(key) is not None


#: name -> (applies to the sheet?, figure size, draw on an axes)
_CHARTS: dict[str, tuple[Callable, Callable | tuple, Callable]] = {
    "cumulative": (lambda s: True, _WIDE, lambda s, ax: _cumulative(s, ax, False)),
    "cumulative_log": (_log_scale_applies, _HALF, lambda s, ax: _cumulative(s, ax, True)),
    "daily_returns": (lambda s: True, _HALF, lambda s, ax: pp.plot_daily_returns(s.returns, ax=ax)),
    "monthly_heatmap": (lambda s: True, _heatmap_size,
                        lambda s, ax: pp.plot_monthly_heatmap(s.monthly_returns, ax=ax)),
    "annual_returns": (lambda s: True, _HALF, _annual),
    "distribution": (lambda s: True, _HALF,
                     lambda s, ax: pp.plot_return_distribution(s.return_histogram, benchmark=s.benchmark_histogram,
                                                               ax=ax)),
    "drawdown": (lambda s: True, _HALF,
                 lambda s, ax: pp.plot_drawdown_periods(s.cumulative["strategy"], s.drawdowns, ax=ax)),
    "underwater": (lambda s: True, _HALF,
                   lambda s, ax: pp.plot_underwater(s.underwater, s.drawdowns, ax=ax)),
    "rolling_beta": (lambda s: _has_values(s.rolling_beta), _HALF,
                     lambda s, ax: pp.plot_rolling_beta(s.rolling_beta, ax=ax)),
    "rolling_sharpe": (lambda s: _has_values(s.rolling_sharpe), _HALF,
                       lambda s, ax: pp.plot_rolling_sharpe(s.rolling_sharpe, ax=ax)),
    "leverage": (lambda s: _has_values(s.exposure), _HALF,
                 lambda s, ax: pp.plot_leverage(s.exposure["gross"], ax=ax)),
    "exposure": (lambda s: _has_values(s.exposure), _HALF,
                 lambda s, ax: pp.plot_exposure(s.exposure, ax=ax)),
    "returns_per_trade": (lambda s: s.trade_returns is not None, _HALF,
                          lambda s, ax: pp.plot_returns_per_trade(s.trade_return_histogram, ax=ax)),
    # the trading charts of a backtest (ReturnsTearSheet.trading: BacktestResult.tear_sheet() fills it)
    "asset_orders": (lambda s: _has_trading(s, "asset_events"), _WIDE,
                     lambda s, ax: bc.plot_asset_orders(s.trading["asset_prices"], s.trading["asset_events"],
                                                        ax=ax)),
    "capacity": (lambda s: _has_trading(s, "capacity") and bool((s.trading["capacity"] > 0).any()), _HALF,
                 lambda s, ax: bc.plot_capacity(s.trading["capacity"], trend=s.capacity_trend, ax=ax)),
    "turnover": (lambda s: _has_trading(s, "turnover"), _HALF,
                 lambda s, ax: bc.plot_turnover(s.trading["turnover"], trend=s.turnover_trend, ax=ax)),
    "allocation": (lambda s: _has_trading(s, "allocation") and s.trading["allocation"].shape[1] > 0, _WIDE,
                   lambda s, ax: bc.plot_allocation(s.trading["allocation"], ax=ax)),
    "group_exposure": (lambda s: _has_trading(s, "group_exposure"), _WIDE,
                       lambda s, ax: bc.plot_group_exposure(s.trading["group_exposure"], ax=ax)),
}

assert tuple(_CHARTS) == PLOT_NAMES, "chart registry and PLOT_NAMES disagree"

#: Margins of a chart in inches (``fixed_margins`` keywords).
_MARGINS = {"left": 0.7, "right": 0.35, "top": 0.35, "bottom": 0.4}  # right: room for the last date label
_CRISIS_SIZE, _CRISIS_MARGINS = (3.4, 2.4), {"left": 0.5, "right": 0.35, "top": 0.5, "bottom": 0.3}


def _draw_chart(sheet, name: str, ax: Axes) -> None:
    _CHARTS[name][2](sheet, ax)


def chart(sheet, name: str) -> Chart | None:
    """The :class:`Chart` of chart ``name`` for ``sheet``; None when the chart does not apply.

    Raises
    ------
    ParameterError
        For an unknown chart name.
    """
    if name not in _CHARTS:
        raise ParameterError(f"unknown chart {name!r}; choose one of {', '.join(PLOT_NAMES)}")
    applies, size, _draw = _CHARTS[name]
    if not applies(sheet):
        return None
    return Chart(partial(_draw_chart, sheet, name), size=size(sheet) if callable(size) else size,
                 margins=_MARGINS)


def build_figure(sheet, name: str) -> Figure | None:
    """The Figure of chart ``name`` for ``sheet``; None when the chart does not apply."""
    recipe = chart(sheet, name)
    return None if recipe is None else recipe.figure()


def _draw_crisis(window, ax: Axes) -> None:
    # a long window name wraps on two lines rather than running past the panel's edge
    pp.plot_crisis_event(window.cumulative, window.benchmark, ax=ax, title=textwrap.fill(window.title, 34))
    ax.title.set_fontsize(9)


def crisis_chart(window) -> Chart:
    """The :class:`Chart` of one crisis panel (a :class:`CrisisWindow` of ``sheet.crisis``)."""
    return Chart(partial(_draw_crisis, window), size=_CRISIS_SIZE, margins=_CRISIS_MARGINS)


def build_crisis_figure(window) -> Figure:
    """The Figure of one crisis panel."""
    return crisis_chart(window).figure()


#: Image formats of the report: SVG (vector) or PNG.
IMAGE_FORMATS = ("svg", "png")


def figure_data_uri(fig: Figure, image_format: str = "svg", dpi: int = 72) -> str:
    """``data:`` URI of ``fig`` ('svg' or 'png' at ``dpi``), as ``savefig`` writes it."""
    return figure_to_data_uri(fig, image_format, dpi=dpi, tight=False)


# ------------------------------------------------------- parallel rendering
#: Rough relative cost of each image, to balance the work across processes.
_COST = {"monthly_heatmap": 3.0, "distribution": 1.3, "crisis": 0.4}
_FORKED_SHEET = None  # the sheet a forked worker renders (inherited at fork time)

Job = tuple[str, object]  # ('chart', name) or ('crisis', index)


def _run_jobs(sheet, jobs: list[Job]) -> list[str]:
    """Render jobs in this process: each a new Figure written by the one pipeline, then dropped."""
    uris = []
    for kind, key in jobs:
        recipe = crisis_chart(sheet.crisis[key]) if kind == "crisis" else chart(sheet, key)
        uris.append(figure_data_uri(recipe.figure(), sheet.image_format, sheet.dpi))
    return uris


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
