"""Tear sheet vs backtest: per-bar differences and the gap attributed to each friction.

The reference is the calculator (:class:`~factorlab.portfolio.InterleavedResult`
or any per-bar return Series). Returns are compared on the bars both report
(the calculator's bars run from its first execution bar; the backtest's
equity before that is its starting cash, so the per-bar returns line up).

Settings: both sides' settings (period, delay, fractional shares, costs,
slippage, volume limit, capital) are listed side by side in
:attr:`Comparison.settings`, and the ones that differ in
:attr:`Comparison.differing_settings` and ``summary()``. The defaults of
``interleaved_returns`` and ``backtest`` are the same, so a comparison made with
defaults lists none and its gap is 0 up to rounding.

Attribution: the backtest is rerun frictionless (fractional shares, no
slippage, no volume limit, the reference's delay and cost in bps), then with
each friction of the actual run switched on alone. A friction's contribution
is the total return of its run minus the frictionless run's;
'model' is frictionless minus reference (0 up to rounding for FactorStrategy),
'interaction' the rest of the gap (frictions amplifying each other).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from factorlab.backtest._result import BacktestResult
from factorlab.errors import AlignmentError, ParameterError
from factorlab.metrics import bar_frequency
from factorlab.portfolio._interleaved_quantiles import QuantileReturns

__all__ = ["Comparison", "compare"]


def _reference_returns(reference, period: str | None, result) -> tuple[pd.Series, dict]:
    """(per-bar returns, settings) of a reference object; unknown settings are None.

    The settings also carry 'bps', the cost in bps as a number (0 when unknown).
    """
    known = {**dict.fromkeys(_SETTINGS), "bps": 0.0}
    if isinstance(reference, pd.Series):
        return reference.astype(float), known
    frictionless = {"fractional": True, "slippage": "none", "volume limit": "none"}
    if isinstance(reference, QuantileReturns):
        if period is None:
            n = getattr(result.strategy, "period", None)
            match = [lab for lab, p in zip(reference.labels, reference.periods) if p == n]
            if len(reference.labels) > 1 and not match:
                raise ParameterError(f"pass period= one of {list(reference.labels)}")
            period = match[0] if match else reference.labels[0]
        if period not in reference.labels:
            raise ParameterError(f"no period {period!r}; available: {list(reference.labels)}")
        bars = dict(zip(reference.labels, reference.periods))[period]
        known.update(frictionless, period=int(bars), delay=int(reference.delay),
                     costs=_bps_label(reference.cost_bps), capital=getattr(reference, "capital", None),
                     bps=float(reference.cost_bps))
        return reference[period]["long_short"].astype(float), known
    r = getattr(reference, "returns", None)
    if isinstance(r, pd.DataFrame) and "long_short" in r.columns:
        r = r["long_short"]
    if not isinstance(r, pd.Series):
        raise ParameterError("reference must be an InterleavedResult, a returns Series, or an object whose "
                             f".returns is a Series; got {type(reference).__name__}")
    delay, bps = getattr(reference, "delay", None), getattr(reference, "cost_bps", None)
    if delay is not None:  # a calculator result: it trades fractional shares without slippage or limits
        known.update(frictionless, period=getattr(reference, "period", None), delay=int(delay),
                     costs=_bps_label(0.0 if bps is None else float(bps)),
                     capital=getattr(reference, "capital", None), bps=0.0 if bps is None else float(bps))
    return r.astype(float), known


#: Settings compared between the two sides, in the order they are listed.
_SETTINGS = ("period", "delay", "fractional", "costs", "slippage", "volume limit", "capital")


def _bps_label(bps: float) -> str:
    return "none" if not bps else f"{float(bps):g} bps"


def _backtest_settings(result: BacktestResult) -> dict:
    """The backtest's values of :data:`_SETTINGS` (from its run arguments and strategy)."""
    from factorlab.backtest._models import BpsCommission, NoCommission, NoSlippage, as_commission, as_slippage

    args, st = result.run_args, result.settings
    comm = as_commission(args.get("commission"))
    slip = as_slippage(args.get("slippage"))
    vl = args.get("volume_limit")
    period = getattr(result.strategy, "period", None)
    return {"period": None if period is None else int(period), "delay": int(st["delay"]),
            "fractional": bool(st["fractional"]),
            "costs": "none" if isinstance(comm, NoCommission) else
            _bps_label(comm.bps) if isinstance(comm, BpsCommission) else repr(comm),
            "slippage": "none" if isinstance(slip, NoSlippage) else repr(slip),
            "volume limit": "none" if vl is None else f"{vl:g} of bar volume",
            "capital": float(st["capital"])}


def _settings_table(ref: dict, bt: dict) -> pd.DataFrame:
    """Setting x (reference, backtest, differs); a setting the reference does not know never differs."""
    rows = []
    for k in _SETTINGS:
        a, b = ref.get(k), bt.get(k)
        same = a is None or b is None or (a == b if not isinstance(a, float) else np.isclose(a, b, rtol=1e-12))
        rows.append((k, a, b, not same))
    table = pd.DataFrame(rows, columns=["setting", "reference", "backtest", "differs"]).set_index("setting")
    return table.astype({"reference": object, "backtest": object})


@dataclass(frozen=True, eq=False)
class Comparison:
    """Reference (tear sheet) returns vs backtest returns on their common bars.

    Attributes
    ----------
    returns : pd.DataFrame, shape (bars, 2)
        Per-bar returns, columns 'reference' and 'backtest' (0.01 = 1%).
    attribution : pd.Series
        Total-return gap per friction (0.01 = 1 point), plus 'model' and
        'interaction'; empty when no reruns were made.
    runs : dict
        friction -> per-bar returns (Series) of the rerun with that friction alone.
    periods_per_year : float
    settings : pd.DataFrame
        One row per setting (period, delay, fractional, costs, slippage,
        volume limit, capital), columns 'reference', 'backtest' and
        'differs'. A setting the reference does not carry (a plain returns
        Series) is None and never differs.
    """

    returns: pd.DataFrame
    attribution: pd.Series = field(repr=False)
    runs: dict = field(default_factory=dict, repr=False)
    periods_per_year: float = 252.0
    settings: pd.DataFrame = field(default_factory=lambda: _settings_table({}, {}), repr=False)

    @property
    def differing_settings(self) -> list[str]:
        """Names of the settings that differ between the two sides (empty when both use the defaults)."""
        return [str(k) for k in self.settings.index[self.settings["differs"].to_numpy(dtype=bool)]]

    @cached_property
    def difference(self) -> pd.Series:
        """Backtest minus reference return per bar."""
        return (self.returns["backtest"] - self.returns["reference"]).rename("difference")

    @property
    def max_abs_difference(self) -> float:
        return float(self.difference.abs().max())

    @cached_property
    def correlation(self) -> float:
        """Pearson correlation of the per-bar returns."""
        return float(np.corrcoef(self.returns["reference"], self.returns["backtest"])[0, 1])

    @cached_property
    def tracking_error(self) -> float:
        """Annualised standard deviation of the per-bar difference (0.01 = 1%)."""
        return float(self.difference.std(ddof=1) * np.sqrt(self.periods_per_year))

    @cached_property
    def cumulative(self) -> pd.DataFrame:
        """Cumulative returns ``prod(1 + r) - 1`` of both, per bar."""
        return (1.0 + self.returns).cumprod() - 1.0

    @cached_property
    def cumulative_gap(self) -> pd.Series:
        """Backtest minus reference cumulative return per bar."""
        c = self.cumulative
        return (c["backtest"] - c["reference"]).rename("cumulative_gap")

    def summary(self) -> pd.Series:
        """Headline numbers and the differing settings.

        Correlation, tracking error, max |difference|, total returns and gap
        (fractions, 0.01 = 1%), the gap per friction (``gap_<name>``) and
        ``differing_settings``: the list of settings that differ between the
        two sides (``[]`` with defaults), each with its two values in
        :attr:`settings`.
        """
        c = self.cumulative.iloc[-1]
        out = {"bars": float(len(self.returns)), "correlation": self.correlation,
               "tracking_error": self.tracking_error, "max_abs_difference": self.max_abs_difference,
               "reference_total_return": c["reference"], "backtest_total_return": c["backtest"],
               "total_gap": c["backtest"] - c["reference"]}
        out.update({f"gap_{k}": v for k, v in self.attribution.items()})
        out["differing_settings"] = self.differing_settings
        return pd.Series(out, dtype=object, name="comparison")

    def plot(self):
        """Figure: cumulative returns with the gap, and the gap by friction."""
        from factorlab.plotting._backtest import plot_comparison_report

        cum = self.cumulative.rename(columns={"reference": "tear sheet"})
        return plot_comparison_report(cum, self.cumulative_gap, self.attribution)

    def __repr__(self) -> str:
        diff = ", ".join(self.differing_settings) or "none"
        return (f"Comparison({len(self.returns)} bars, correlation {self.correlation:.6f}, "
                f"tracking error {self.tracking_error:.4%}, total gap {self.cumulative_gap.iloc[-1]:+.4%}, "
                f"differing settings: {diff})")

    def _repr_html_(self) -> str:
        diff = self.settings[self.settings["differs"]].drop(columns="differs")
        note = ("<p>Settings that differ: none (both sides use the same settings)</p>" if diff.empty else
                "<p>Settings that differ:</p>" + diff.to_html())
        return "<b>Tear sheet vs backtest</b>" + self.summary().to_frame().to_html() + note


def _frictions(args: dict, ref_delay: int, ref_bps: float) -> tuple[dict, dict]:
    """Frictionless base arguments and, per friction present in ``args``, its override."""
    from factorlab.backtest._models import BpsCommission

    base = dict(args, fractional=True, slippage=None, volume_limit=None, delay=ref_delay,
                commission=BpsCommission(ref_bps) if ref_bps else None, progress=False, track=False)
    on: dict[str, dict] = {}
    if args.get("commission") is not None and not (ref_bps and _is_bps(args["commission"], ref_bps)):
        on["costs"] = {"commission": args["commission"]}
    if args.get("slippage") is not None:
        on["slippage"] = {"slippage": args["slippage"]}
    if not args.get("fractional", True):
        on["integer shares"] = {"fractional": False}
    if args.get("volume_limit") is not None:
        on["volume limit"] = {"volume_limit": args["volume_limit"]}
    if int(args.get("delay", 0)) != ref_delay:
        on["delay"] = {"delay": args["delay"]}
    return base, on


def _is_bps(model, bps: float) -> bool:
    from factorlab.backtest._models import BpsCommission, as_commission

    m = as_commission(model)
    return isinstance(m, BpsCommission) and m.bps == bps


def compare(reference, result: BacktestResult, *, frictions: bool = True,
            period: str | None = None, periods_per_year: float | None = None) -> Comparison:
    """Compare the tear sheet's (calculator's) returns with a backtest's, friction by friction.

    Parameters
    ----------
    reference : InterleavedResult, QuantileReturns, pd.Series of per-bar returns, or any ``.returns``
        The calculator's result (its ``delay`` and ``cost_bps`` set the
        frictionless baseline). For a QuantileReturns (the tear sheet's
        interleaved returns) its 'long_short' column of ``period`` is used.
    result : BacktestResult
    frictions : bool, default True
        Rerun the backtest with each friction on alone to attribute the gap
        (costs, slippage, integer shares, volume limit, delay).
    period : str, optional
        Period label of a QuantileReturns reference (default: the one whose
        bars equal the strategy's ``period``).
    periods_per_year : float, optional
        Bars per year of the tracking error; by default the backtest's
        (:attr:`BacktestResult.periods_per_year`, the one bar-frequency rule).

    Returns
    -------
    Comparison

    Raises
    ------
    AlignmentError
        Fewer than two common bars.
    """
    if not isinstance(result, BacktestResult):
        raise ParameterError(f"result must be a BacktestResult, got {type(result).__name__}")
    ref, ref_settings = _reference_returns(reference, period, result)
    common = ref.index.intersection(result.returns.index)
    if len(common) < 2:
        raise AlignmentError(f"reference and backtest share {len(common)} bar(s); need at least 2")
    rets = pd.DataFrame({"reference": ref.reindex(common), "backtest": result.returns.reindex(common)})
    attribution, runs = pd.Series(dtype=float), {}
    if frictions and result.strategy is not None and result.run_args:
        from factorlab.backtest._engine import backtest

        ref_delay, ref_bps = ref_settings["delay"], ref_settings["bps"]
        delay = result.settings["delay"] if ref_delay is None else ref_delay
        base_args, on = _frictions(result.run_args, delay, ref_bps)

        def total(args) -> tuple[float, pd.Series]:
            r = backtest(result.strategy.clone(), **args).returns.reindex(common)
            return float(np.prod(1.0 + r.to_numpy()) - 1.0), r

        base_total, runs["frictionless"] = total(base_args)
        gaps = {"model": base_total - float(np.prod(1.0 + rets["reference"].to_numpy()) - 1.0)}
        for name, override in on.items():
            t, runs[name] = total({**base_args, **override})
            gaps[name] = t - base_total
        actual = float(np.prod(1.0 + rets["backtest"].to_numpy()) - 1.0)
        gaps["interaction"] = actual - base_total - sum(v for k, v in gaps.items() if k != "model")
        attribution = pd.Series(gaps, dtype=float, name="gap")
    return Comparison(returns=rets, attribution=attribution, runs=runs,
                      periods_per_year=result.periods_per_year if periods_per_year is None
                      else bar_frequency(periods_per_year=periods_per_year).periods_per_year,
                      settings=_settings_table(ref_settings, _backtest_settings(result)))
