"""ScreenResult: the screen's table, the correlations, and a way into one factor's tear sheet."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from factorlab.errors import ParameterError

__all__ = ["ScreenResult", "ScreenCorrelation"]


@dataclass(frozen=True, eq=False)
class ScreenCorrelation:
    """How alike the screened factors are.

    Attributes
    ----------
    factors : pd.DataFrame or None, shape (factors, factors)
        Rank correlation between factors: on each date, the Pearson
        correlation of the two factors' ranks (each ranked among its own
        members; Spearman's rho when both rank the same names), averaged over
        the dates both factors have. None with ``correlation=False``.
    returns : dict label -> pd.DataFrame, shape (factors, factors)
        Pearson correlation of the factors' per-bar gross returns (N
        interleaved long-short sleeves), per period label.
    """

    factors: pd.DataFrame | None
    returns: dict[str, pd.DataFrame] = field(repr=False)

    def _repr_html_(self) -> str:
        parts = []
        if self.factors is not None:
            parts.append("<h4>Rank correlation between factors (mean over dates)</h4>"
                         + self.factors.to_html(float_format=lambda x: f"{x:+.2f}"))
        for label, c in self.returns.items():
            parts.append(f"<h4>Correlation of factor returns ({label} sleeves, per bar)</h4>"
                         + c.to_html(float_format=lambda x: f"{x:+.2f}"))
        return "".join(parts)


@dataclass(frozen=True, eq=False)
class ScreenResult:
    """The outcome of :func:`factorlab.screen`.

    Attributes
    ----------
    table : pd.DataFrame
        Indexed by (factor, period); columns documented in :func:`factorlab.screen`.
    correlation : ScreenCorrelation
        ``.factors`` (rank correlation between factors) and ``.returns``
        (correlation of their factor returns, per period label).
    factors : dict name -> factor
        The factors as given (callables stay callables).
    prices : pd.DataFrame
        The validated prices.
    settings : ScreenSettings
        Periods, binning, costs and delay of the screen.
    adjust : str
        The multiplicity adjustment ('holm' or 'bh').
    annualisation : str
        The bar-frequency rule's note for the Sharpe ratios.
    dropped : pd.Series
        Factor entries dropped by :func:`prepare_factor_data`, per screened factor.
    failed : pd.DataFrame
        The factors left out of the table (``errors='report'``): index 'factor',
        columns 'error' (the exception's class) and 'message'; empty when every
        factor was screened.
    """

    table: pd.DataFrame
    correlation: ScreenCorrelation
    factors: dict = field(repr=False)
    prices: pd.DataFrame = field(repr=False)
    settings: object = field(repr=False)
    adjust: str = "holm"
    annualisation: str = ""
    dropped: pd.Series = field(default=None, repr=False)
    failed: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {"error": pd.Series(dtype=object), "message": pd.Series(dtype=object)},
        index=pd.Index([], name="factor", dtype=object)), repr=False)

    @property
    def names(self) -> list[str]:
        """The screened factors' names (those in the table), in the screen's order."""
        return [n for n in self.factors if n not in self.failed.index]

    def __repr__(self) -> str:
        left_out = f", {len(self.failed)} not screened" if len(self.failed) else ""
        n, k = len(self.names), self.table.index.get_level_values("period").nunique()
        return (f"ScreenResult({n} factor{'s' * (n != 1)} x {k} period{'s' * (k != 1)}{left_out}, "
                f"adjust={self.adjust!r})")

    def summary(self, sort_by: str | None = None) -> pd.DataFrame:
        """The table for display: units in the column names, numbers formatted.

        Parameters
        ----------
        sort_by : str, optional
            A column of :attr:`table` to sort by (descending by absolute value
            for t-stats and Sharpe ratios, ascending for p-values).
        """
        t = self.table
        if sort_by is not None:
            if sort_by not in t.columns:
                raise ParameterError(f"sort_by must be a column of the table {list(t.columns)}, got {sort_by!r}")
            key = t[sort_by]
            t = t.loc[key.sort_values().index] if "p-value" in sort_by else t.loc[key.abs().sort_values(
                ascending=False).index]
        out = pd.DataFrame(index=t.index)
        out["coverage (%)"] = (t["coverage"] * 100).map("{:.1f}".format)
        out["IC mean"] = t["IC mean"].map("{:+.4f}".format)
        out["IC HAC t"] = t["IC HAC t-stat"].map("{:+.2f}".format)
        out["IC HAC p"] = t["IC HAC p-value"].map("{:.3g}".format)
        out[f"p adjusted ({self.adjust})"] = t["IC HAC p-value adjusted"].map("{:.3g}".format)
        out["spread (bps/bar, 2x gross)"] = (t["spread per bar"] * 1e4).map("{:+.2f}".format)
        out["Sharpe gross"] = t["Sharpe gross"].map("{:+.2f}".format)
        out[f"Sharpe net @ {self.settings.cost_bps:g} bps"] = t["Sharpe net"].map("{:+.2f}".format)
        out["turnover (%/bar)"] = (t["turnover per bar"] * 100).map("{:.1f}".format)
        out["top quantile turnover (%)"] = (t["top quantile turnover"] * 100).map("{:.1f}".format)
        out["rank autocorr."] = t["rank autocorrelation"].map("{:.3f}".format)
        return out

    def _note(self) -> str:
        s = self.settings
        left_out = (f" ({len(self.failed)} more not screened: {', '.join(map(repr, self.failed.index))})"
                    if len(self.failed) else "")
        n = len(self.names)
        return (f"{n} factor{'s' * (n != 1)}{left_out}; HAC = Newey-West (lags in the table); p adjusted across all "
                f"{len(self.table)} rows by {'Holm' if self.adjust == 'holm' else 'Benjamini-Hochberg'}; "
                f"Sharpe ratios of the N interleaved long-short sleeves, {self.annualisation}; "
                f"costs {s.cost_bps:g} bps of traded notional; delay {s.delay} bar(s).")

    def _repr_html_(self) -> str:
        failed = ("<h4>Not screened</h4><ul>" + "".join(
            f"<li><b>{html.escape(str(name))}</b>: {html.escape(row['error'])}: {html.escape(row['message'])}</li>"
            for name, row in self.failed.iterrows()) + "</ul>" if len(self.failed) else "")
        return (f"<div class='factorlab-screen'><h3>Factor screen</h3>{self.summary().to_html()}"
                f"<p><small>{html.escape(self._note())}</small></p>{failed}</div>")

    def to_html(self, path: str | Path | None = None) -> str:
        """The screen as a standalone HTML page: the table and both correlation matrices.

        Parameters
        ----------
        path : str or Path, optional
            Where to write the page (folders are made).

        Returns
        -------
        str
            The page.
        """
        page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Factor screen</title>"
                "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:13px}"
                "td,th{padding:2px 8px;text-align:right;border-bottom:1px solid #ddd}</style></head><body>"
                f"{self._repr_html_()}{self.correlation._repr_html_()}</body></html>")
        if path is not None:
            p = Path(path)
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(page, encoding="utf-8")
        return page

    def factor(self, name: str):
        """The factor called ``name`` (a callable is called with the prices)."""
        if name not in self.factors:
            raise ParameterError(f"no factor named {name!r} in this screen; the factors are {list(self.factors)}")
        f = self.factors[name]
        return f(self.prices) if callable(f) and not isinstance(f, (pd.DataFrame, pd.Series)) else f

    def tear_sheet(self, name: str, **kwargs):
        """The full tear sheet (:func:`factorlab.create_full_tear_sheet`) of one screened factor.

        The screen's periods, binning, groups, portfolio, costs and delay are
        used; ``kwargs`` (e.g. ``benchmark=``, ``by_group=True``) are passed on.
        With ``n_trials`` not given, the verdict deflates for the number of
        factors screened (those in the table).
        """
        from factorlab.tears import create_full_tear_sheet  # the tear-sheet layer, loaded on use

        s = self.settings
        options = dict(periods=s.periods, quantiles=s.quantiles, bins=s.bins, groupby=s.groupby,
                       long_short=s.long_short, group_neutral=s.group_neutral, delay=s.delay,
                       cost_bps=s.cost_bps, periods_per_year=s.periods_per_year_given,
                       quantile_method=s.quantile_method, n_trials=len(self.names))
        options.update(kwargs)
        return create_full_tear_sheet(self.factor(name), self.prices, **options)

    def significant(self, alpha: float = 0.05) -> pd.DataFrame:
        """The rows whose adjusted IC p-value is below ``alpha``, most significant first."""
        if not 0 < alpha < 1:
            raise ParameterError(f"alpha must be in (0, 1), got {alpha!r}")
        t = self.table
        hit = t[np.asarray(t["IC HAC p-value adjusted"] < alpha)]
        return hit.sort_values("IC HAC p-value adjusted")
