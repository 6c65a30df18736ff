"""Every statistic a factor tear sheet shows, computed once on demand (no plotting here)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from factorlab import metrics
from factorlab.data._validate import QUANTILE_LEVEL_NAMES, level_position
from factorlab.errors import ConcentrationWarning, DataQualityWarning, ParameterError
from factorlab.factor import (
    FactorData,
    average_cumulative_return_by_quantile,
    factor_alpha_beta,
    ic_by_group,
    ic_decay,
    ic_summary,
    information_coefficient,
    mean_monthly_ic,
    mean_return_by_quantile,
    mean_return_spread,
    period_label,
    quantile_statistics,
    quantile_turnover,
    quantile_turnover_table,
    rate_of_return,
)
from factorlab.factor._options import CONCENTRATION_LIMIT
from factorlab.factor._returns import mean_returns_by_quantile_both
from factorlab.factor._turnover import rank_autocorrelations
from factorlab.metrics._verdict import SPREAD_LABEL
from factorlab.portfolio import factor_weights, quantile_interleaved_returns
from factorlab.portfolio._interleaved_quantiles import interleaved_periods_at_costs
from factorlab.portfolio._ruin import ruin_summary
from factorlab.portfolio._weights import concentration, concentration_message

__all__ = ["FactorAnalysis", "ViolinStats", "bulk_limits", "ic_histogram", "ic_qq_points", "violin_stats"]


def ic_histogram(ic: pd.DataFrame | pd.Series, *, bins: int = 25,
                 value_range: tuple[float, float] = (-1.0, 1.0)) -> pd.DataFrame:
    """Number of dates per IC bin, one column per period, on common bins.

    Parameters
    ----------
    ic : pd.DataFrame, shape (dates, periods), or pd.Series
        IC per date; NaN values are left out (not counted as zero).
    bins : int
        Number of equal-width bins over ``value_range``.
    value_range : (float, float)
        Range of the bins (the IC lies in [-1, 1]).

    Returns
    -------
    pd.DataFrame, shape (bins, periods)
        Counts (float), indexed by the bins (a closed-left IntervalIndex
        whose edges are ``np.histogram``'s).
    """
    frame = ic.to_frame() if isinstance(ic, pd.Series) else ic
    edges = np.histogram_bin_edges([], bins=bins, range=value_range)
    counts = {}
    for column in frame.columns:
        values = frame[column].to_numpy(dtype="float64", na_value=np.nan)
        counts[column] = np.histogram(values[np.isfinite(values)], bins=edges)[0].astype("float64")
    index = pd.IntervalIndex.from_breaks(edges, closed="left", name="IC bin")
    return pd.DataFrame(counts, index=index, columns=frame.columns)


#: Calendar month abbreviations (English, whatever the locale): the columns of monthly tables.
MONTHS: tuple[str, ...] = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, eq=False)
class ViolinStats:
    """Per (quantile, period) distribution statistics of per-date returns, for a violin plot.

    Attributes
    ----------
    quantiles : tuple
        Quantile labels, ascending.
    periods : tuple of str
        Period labels, in the input's column order.
    stats : dict (quantile, period) -> dict
        Only pairs with at least one finite value. Each dict holds what
        ``matplotlib.axes.Axes.violin`` draws: ``coords`` (``points`` values
        from the minimum to the maximum), ``vals`` (the Gaussian kernel
        density at ``coords``), ``mean``, ``median``, ``min``, ``max`` and
        ``quantiles`` (the quartiles), all in the unit of ``unit``.
    unit : str
        Unit of the values ('bps': returns x 10,000).
    """

    quantiles: tuple
    periods: tuple
    stats: dict = field(repr=False)
    unit: str = "bps"


def violin_stats(mean_ret_by_date: pd.DataFrame, *, points: int = 60, scale: float = 1e4,
                 unit: str = "bps") -> ViolinStats:
    """Kernel densities and quartiles of the per-date returns of each (quantile, period).

    Parameters
    ----------
    mean_ret_by_date : pd.DataFrame, shape (quantiles * dates, periods)
        MultiIndex (quantile, date), as ``mean_return_by_quantile(by_date=True)``
        (the quantile level is found by name, 'factor_quantile' or
        'quantile', else level 0); returns as decimals; NaN values are left out.
    points : int
        Points at which each density is given, from the smallest to the
        largest value (violins cut at the data range).
    scale, unit : float, str
        The values are multiplied by ``scale`` and labelled ``unit``
        (default: basis points).

    Returns
    -------
    ViolinStats

    Notes
    -----
    The density is a Gaussian kernel density estimate with Scott's
    bandwidth, ``std (ddof=1) * n ** (-1/5)`` (scipy's and matplotlib's
    default). Up to 5,000 dates it is summed directly
    (``scipy.stats.gaussian_kde``); beyond, it is computed on a fine grid by
    linear binning and FFT (``statsmodels``' ``KDEUnivariate(fft=True)``,
    within about 1e-6 of the peak) and read at ``coords`` by linear
    interpolation: linear in the number of dates, where the direct sum costs
    dates x points (a 130,000-bar panel). A (quantile, period) whose values
    are all equal has a zero density (a violin of no width; its quartile
    marks are still drawn).
    """
    if not isinstance(mean_ret_by_date, pd.DataFrame) or not isinstance(mean_ret_by_date.index, pd.MultiIndex) \
            or mean_ret_by_date.index.nlevels != 2:
        raise ParameterError("mean_ret_by_date must be a DataFrame with a (quantile, date) MultiIndex, "
                             f"got {type(mean_ret_by_date).__name__}")
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or points < 2:
        raise ParameterError(f"points must be an integer >= 2, got {points!r}")
    if mean_ret_by_date.empty:
        raise ParameterError(f"mean_ret_by_date is empty (shape {mean_ret_by_date.shape})")
    index = mean_ret_by_date.index
    level = level_position(index, QUANTILE_LEVEL_NAMES, 0)
    labels = index.get_level_values(level)
    quantiles = tuple(np.sort(labels.unique().to_numpy()).tolist())
    periods = tuple(str(c) for c in mean_ret_by_date.columns)
    values = mean_ret_by_date.to_numpy(dtype="float64", na_value=np.nan) * scale
    stats = {}
    for q in quantiles:
        rows = values[np.asarray(labels == q)]
        for j, period in enumerate(periods):
            v = rows[:, j]
            v = v[np.isfinite(v)]
            if v.size:
                stats[(q, period)] = _violin(v, points)
    if not stats:
        raise ParameterError("mean_ret_by_date has no finite values (all NaN): nothing to draw")
    return ViolinStats(quantiles=quantiles, periods=periods, stats=stats, unit=unit)


#: Up to this many values a violin's density is summed directly (scipy); beyond, binned and convolved.
_DIRECT_KDE_MAX = 5_000


def _violin(v: np.ndarray, points: int) -> dict:
    from scipy.stats import gaussian_kde
    from statsmodels.nonparametric.kde import KDEUnivariate

    low, high = float(v.min()), float(v.max())
    coords = np.linspace(low, high, points)
    bw = float(v.std(ddof=1)) * v.size ** -0.2 if v.size > 1 else 0.0
    if bw > 0 and v.size <= _DIRECT_KDE_MAX:
        vals = gaussian_kde(v)(coords)   # Scott's factor: the same bandwidth
    elif bw > 0:
        kde = KDEUnivariate(v)
        kde.fit(kernel="gau", bw=bw, fft=True, gridsize=max(v.size, 4096))
        vals = np.interp(coords, kde.support, kde.density)
    else:
        vals = np.zeros(points)
    q1, median, q3 = np.percentile(v, [25.0, 50.0, 75.0])
    return {"coords": coords, "vals": vals, "mean": float(v.mean()), "median": float(median), "min": low,
            "max": high, "quantiles": np.array([q1, median, q3])}


def bulk_limits(frame: pd.DataFrame | pd.Series, *, low: float = 1.0, high: float = 99.0,
                pad: float = 0.1) -> tuple[tuple[float, float] | None, int]:
    """Axis limits around the bulk of the values (the ``low``-``high`` percentiles, padded) and how many
    values lie outside them; (None, 0) when there is nothing finite."""
    values = np.asarray(frame, dtype="float64").ravel()
    values = values[np.isfinite(values)]
    if not values.size:
        return None, 0
    lo, hi = np.percentile(values, [low, high])
    margin = pad * (hi - lo) if hi > lo else max(abs(hi), 1e-12)
    lo, hi = float(min(lo - margin, 0.0)), float(max(hi + margin, 0.0))
    return (lo, hi), int(((values < lo) | (values > hi)).sum())


def ic_qq_points(ic: pd.DataFrame | pd.Series, *, dist: str = "norm") -> pd.DataFrame:
    """Q-Q points of the daily IC against a fitted normal (or Student t) distribution, per period.

    The distribution is fitted to each period's IC by maximum likelihood
    (``scipy.stats.<dist>.fit``) and ``scipy.stats.probplot`` gives its
    quantiles at the plotting positions, so both coordinates are in IC units
    and a good fit lies on the 45-degree line.

    Returns
    -------
    pd.DataFrame
        Columns (period, 'theoretical') and (period, 'observed' = the sorted
        IC), one row per plotting position, NaN-padded where a period has
        fewer values. A period with fewer than 3 values has all NaN.
    """
    from scipy import stats

    distributions = {"norm": stats.norm, "t": stats.t}
    if dist not in distributions:
        raise ParameterError(f"dist must be one of 'norm', 't', got {dist!r}")
    distribution = distributions[dist]
    frame = ic.to_frame() if isinstance(ic, pd.Series) else ic
    out = {}
    for column in frame.columns:
        values = frame[column].to_numpy(dtype="float64", na_value=np.nan)
        values = values[np.isfinite(values)]
        if values.size < 3:
            out[(column, "theoretical")] = out[(column, "observed")] = pd.Series(dtype="float64")
            continue
        *shape, loc, scale = distribution.fit(values)
        (standard_q, ordered), _fit = stats.probplot(values, sparams=tuple(shape), dist=distribution)
        out[(column, "theoretical")] = pd.Series(loc + scale * standard_q)
        out[(column, "observed")] = pd.Series(ordered)
    return pd.DataFrame(out)


@dataclass(eq=False)
class FactorAnalysis:
    """Lazily computed statistics of one prepared factor, shared by all tear-sheet sections.

    Parameters
    ----------
    fd : FactorData
    long_short, group_neutral : bool
        Weighting of the factor portfolio (see :func:`factor_weights`).
    benchmark : pd.Series, optional
        Benchmark price level (e.g. an index), aligned to the price bars.
    cost_bps : float
        Cost for the net-of-cost headline figures, in bps of traded notional.
    bars_per_year : float, optional
        Explicit bars per year (the tear sheets' ``periods_per_year=``); by
        default inferred from the price index (:func:`factorlab.metrics.bar_frequency`).
    n_trials : int
        Factors and parameter sets tried (the verdict deflates for them).
    equal_weight : bool
        The long-short portfolio gives each name the same weight on its side (see :func:`factor_weights`).
    concentration_limit : float
        Share of a book's gross weight above which one name is flagged.
    """

    fd: FactorData
    long_short: bool = True
    group_neutral: bool = False
    benchmark: pd.Series | None = None
    cost_bps: float = 0.0
    bars_per_year: float | None = None
    n_trials: int = 1
    equal_weight: bool = False
    concentration_limit: float = CONCENTRATION_LIMIT

    @cached_property
    def verdict(self) -> metrics.FactorVerdict:
        """Per horizon: HAC-tested IC, spread, net Sharpe, break-even cost, deflated Sharpe, a sentence."""
        # the sleeves' weights are the tear sheet's: reuse its runs
        runs = {lab: (self.interleaved[lab]["long_short"], self.interleaved.turnover[lab]["long_short"],
                      self.net_long_short[lab]) for lab in self.fd.labels}
        verdict = metrics.factor_verdict(self.fd, long_short=self.long_short, group_neutral=self.group_neutral,
                                         equal_weight=self.equal_weight, cost_bps=self.cost_bps,
                                         periods_per_year=self.bars_per_year, n_trials=self.n_trials, runs=runs,
                                         ic=None if self.group_neutral else self.ic,  # the verdict's IC is raw
                                         ic_table=None if self.group_neutral else self.ic_table,  # tested once
                                         mean_by_date=self._mean_ret_by_date[0])
        ruins = self.interleaved.ruins
        whole = ruins[(ruins["portfolio"] == "long_short") & ruins["sleeve"].isna()] if len(ruins) else ruins
        for _, row in whole.iterrows():  # a ruined long-short book is said where the verdict is read
            verdict.table.loc[row["period"], "verdict"] += (
                f" The long-short sleeves were ruined on {pd.Timestamp(row['date']).date()} (worth 0 from then "
                "on; see the ruins table).")
        return verdict

    @cached_property
    def bar_frequency(self) -> metrics.BarFrequency:
        """Bars per year of the price bars (given or inferred) and how they were found."""
        return metrics.bar_frequency(self.fd.prices.index, periods_per_year=self.bars_per_year)

    @property
    def periods_per_year(self) -> float:
        """Bars per year every annualised figure of the tear sheet uses."""
        return self.bar_frequency.periods_per_year

    @property
    def annualisation_note(self) -> str:
        """The figure used, stated: 'Annualised with 8,760 bars/year (hourly, 24/7 calendar, inferred).'."""
        note = self.bar_frequency.note
        return f"{note[0].upper()}{note[1:]}."

    @cached_property
    def ic(self) -> pd.DataFrame:
        return information_coefficient(self.fd, group_adjust=self.group_neutral)

    @cached_property
    def ic_table(self) -> pd.DataFrame:
        return ic_summary(self.ic, periods=self.fd.periods)

    @cached_property
    def monthly_ic_bound(self) -> float:
        """Largest absolute monthly mean IC over every period: one colour scale for all heatmaps."""
        values = self.monthly_ic.to_numpy(dtype="float64", na_value=np.nan)
        finite = np.abs(values[np.isfinite(values)])
        return float(finite.max()) if finite.size and finite.max() > 0 else 1.0

    @property
    def ma_window(self) -> int:
        """Bars in the one-month moving averages of the charts (at most half the dates)."""
        return max(1, min(int(round(self.periods_per_year / 12)), len(self.fd.dates) // 2))

    @cached_property
    def ic_moving_average(self) -> pd.DataFrame:
        """One-month moving average of the IC per date, one column per period."""
        return self.ic.rolling(self.ma_window).mean()

    @cached_property
    def ic_histogram(self) -> pd.DataFrame:
        """:func:`ic_histogram` of :attr:`ic` (25 bins over [-1, 1])."""
        return ic_histogram(self.ic, bins=25)

    @cached_property
    def ic_qq(self) -> pd.DataFrame:
        """:func:`ic_qq_points` of :attr:`ic` against a fitted normal."""
        return ic_qq_points(self.ic, dist="norm")

    @cached_property
    def monthly_ic(self) -> pd.DataFrame:
        return mean_monthly_ic(self.ic)

    @cached_property
    def monthly_ic_table(self) -> pd.DataFrame:
        """:attr:`monthly_ic` as the tear sheet shows it: one row per (period, year), one column per
        calendar month ('Jan' .. 'Dec'); NaN for a month without IC values."""
        monthly = self.monthly_ic
        index = pd.DatetimeIndex(monthly.index)
        frames = {}
        for lab in self.fd.labels:
            values = pd.Series(monthly[lab].to_numpy(dtype="float64", na_value=np.nan),
                               index=pd.MultiIndex.from_arrays([index.year, index.month], names=["year", "month"]))
            frames[lab] = values.unstack("month").reindex(columns=range(1, 13))
        table = pd.concat(frames, names=["period", "year"])
        table.columns = pd.Index(MONTHS, name="month")
        return table

    @cached_property
    def ic_decay(self) -> pd.DataFrame:
        """:func:`ic_decay` at its default horizons; the factor's own periods taken from :attr:`ic`.

        At the factor's own periods every kept entry has its forward return,
        so ``ic_decay`` would recompute exactly the daily IC already in
        :attr:`ic` (same entries, same ranks); only the other horizons are
        computed. With ``group_neutral`` the IC is group-adjusted and
        everything is computed by ``ic_decay``.
        """
        fd = self.fd
        if self.group_neutral:
            return ic_decay(fd)
        n_bars = len(fd.prices.index) - fd.delay
        horizons = sorted({h for h in (1, 2, 3, 5, 10, 15, 20, *fd.periods) if h < n_bars})
        own = dict(zip(fd.periods, fd.labels))
        others = [h for h in horizons if h not in own]
        table = ic_decay(fd, others) if others else None
        rows = []
        for h in horizons:
            if h in own:
                ic = self.ic[own[h]].to_numpy(dtype="float64")
                ic = ic[~np.isnan(ic)]
                se = ic.std(ddof=1) / np.sqrt(len(ic)) if len(ic) > 1 else np.nan
                rows.append((h, period_label(h, fd.prices.index), ic.mean() if len(ic) else np.nan, se))
            else:
                rows.append((h, *table.loc[h, ["label", "ic_mean", "ic_std_err"]]))
        return pd.DataFrame(rows, columns=["horizon", "label", "ic_mean", "ic_std_err"]).set_index("horizon")

    @cached_property
    def ic_by_group(self) -> pd.DataFrame:
        return ic_by_group(self.fd, group_adjust=self.group_neutral)

    @cached_property
    def quantile_stats(self) -> pd.DataFrame:
        return quantile_statistics(self.fd)

    @cached_property
    def _mean_ret_both(self) -> dict[bool, tuple[pd.DataFrame, pd.DataFrame]]:
        """:func:`mean_return_by_quantile` pooled (False) and by date (True), from one pass."""
        return mean_returns_by_quantile_both(self.fd, demeaned=self.long_short, group_adjust=self.group_neutral)

    @property
    def _mean_ret(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        return self._mean_ret_both[False]

    @cached_property
    def mean_return_rate(self) -> pd.DataFrame:
        """Mean return by quantile as a compounded rate per bar (quantile x period), whatever periods are asked."""
        return rate_of_return(self._mean_ret[0], self.fd.bar_label)

    @property
    def _mean_ret_by_date(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        return self._mean_ret_both[True]

    @cached_property
    def mean_return_by_date_rate(self) -> pd.DataFrame:
        return rate_of_return(self._mean_ret_by_date[0], self.fd.bar_label)

    @cached_property
    def violins(self) -> ViolinStats:
        """:func:`violin_stats` of :attr:`mean_return_by_date_rate` (bps per bar)."""
        return violin_stats(self.mean_return_by_date_rate)

    @cached_property
    def spread(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Top-minus-bottom period return per date and its standard error."""
        mean, std = self._mean_ret_by_date
        return mean_return_spread(mean, self.top, 1, std)

    def relative_growth_by_quantile(self, label: str) -> pd.DataFrame:
        """Each quantile's interleaved sleeves relative to the average of the quantiles: growth of 1 of
        the per-bar return minus the quantiles' mean return that bar (shape (bars, quantiles)); the
        market's move common to all quantiles is taken out, so the curves show what the factor adds."""
        r = self.interleaved[label].drop(columns="long_short")
        rel = r.sub(r.mean(axis=1), axis=0)
        return (1.0 + rel).cumprod()

    @cached_property
    def spread_per_bar(self) -> pd.Series:
        """The one spread of the tear sheet: top minus bottom quantile mean return as per-bar rates
        (long the top, short the bottom: 2x gross), per period; 0.0001 = 1 bps."""
        rate = self.mean_return_rate
        return (rate.loc[self.top] - rate.loc[1]).rename("spread per bar")

    @cached_property
    def spread_moving_average(self) -> pd.DataFrame:
        """Moving average of the per-date spread (top minus bottom, per-bar rates as in
        :attr:`spread_per_bar`), per period: the horizons share one unit and compare on one axes."""
        by_date = self.mean_return_by_date_rate
        top = by_date.xs(self.top, level="factor_quantile")
        bottom = by_date.xs(1, level="factor_quantile")
        per_bar = top.sub(bottom)
        return per_bar.rolling(self.ma_window, min_periods=max(1, self.ma_window // 2)).mean()

    @cached_property
    def top_bottom_turnover_moving_average(self) -> pd.DataFrame:
        """One-month moving average of the top and bottom quantile turnover: columns '<period> top|bottom'."""
        return pd.concat({f"{lab} {side}": self.top_bottom_turnover[lab][f"{side} quantile"]
                          for lab in self.fd.labels for side in ("top", "bottom")}, axis=1
                         ).rolling(self.ma_window, min_periods=1).mean()

    @property
    def top(self) -> int:
        return int(self.fd.n_quantiles)

    @cached_property
    def mean_return_by_group(self) -> pd.DataFrame:
        mean, _ = mean_return_by_quantile(self.fd, by_group=True, demeaned=self.long_short,
                                          group_adjust=self.group_neutral)
        return rate_of_return(mean, self.fd.bar_label)

    @cached_property
    def alpha_beta(self) -> pd.DataFrame:
        return factor_alpha_beta(self.fd, long_short=self.long_short, group_neutral=self.group_neutral,
                                 periods_per_year=self.periods_per_year)

    @cached_property
    def weights(self) -> pd.DataFrame:
        """The long-short portfolio's target weights (:func:`factor_weights` with this analysis' settings)."""
        return factor_weights(self.fd, long_short=self.long_short, group_neutral=self.group_neutral,
                              equal_weight=self.equal_weight)

    @cached_property
    def concentration(self) -> pd.DataFrame:
        """Dates where one name holds more than ``concentration_limit`` of the book's gross weight
        (:func:`factorlab.portfolio.concentration`); warns once (:class:`ConcentrationWarning`)."""
        table = concentration(self.weights, limit=self.concentration_limit)
        if len(table):
            warnings.warn(concentration_message(table, self.concentration_limit), ConcentrationWarning,
                          stacklevel=3)
        return table

    @cached_property
    def interleaved(self):
        qr = quantile_interleaved_returns(self.fd, weights=self.weights)
        if len(qr.ruins):
            warnings.warn(ruin_summary(qr.ruins) + " (the tear sheet's 'ruins' table lists each)",
                          DataQualityWarning, stacklevel=3)
        return qr

    @cached_property
    def net_long_short(self) -> dict[str, pd.Series]:
        """Per-bar long-short interleaved returns after ``cost_bps``, per period label."""
        if self.cost_bps == 0:
            return {lab: self.interleaved[lab]["long_short"] for lab in self.fd.labels}
        w = self.weights
        # interleaved_returns(w, prices, p, delay, cost_bps).returns of every period, bit for bit, from one
        # preparation of the weights and without a holdings ledger
        runs = interleaved_periods_at_costs(w, self.fd.prices[self.fd.assets], self.fd.periods, (self.cost_bps,),
                                            delay=self.fd.delay)
        return {lab: runs[p][0][0] for p, lab in zip(self.fd.periods, self.fd.labels)}

    @cached_property
    def turnover_table(self) -> pd.DataFrame:
        return quantile_turnover_table(self.fd)

    @cached_property
    def top_bottom_turnover(self) -> dict[str, pd.DataFrame]:
        return {lab: pd.DataFrame({"top quantile": quantile_turnover(self.fd, self.top, p),
                                   "bottom quantile": quantile_turnover(self.fd, 1, p)})
                for p, lab in zip(self.fd.periods, self.fd.labels)}

    @cached_property
    def rank_autocorrelation(self) -> dict[str, pd.Series]:
        by_period = rank_autocorrelations(self.fd, self.fd.periods)  # one centring of the ranks for every lag
        return {lab: by_period[p] for p, lab in zip(self.fd.periods, self.fd.labels)}

    @cached_property
    def rank_autocorrelation_mean(self) -> pd.Series:
        """Mean factor rank autocorrelation per period."""
        return pd.Series({lab: float(np.nanmean(s.to_numpy(dtype="float64", na_value=np.nan)))
                          for lab, s in self.rank_autocorrelation.items()}, dtype="float64")

    @cached_property
    def event_returns(self) -> pd.DataFrame:
        return average_cumulative_return_by_quantile(self.fd, periods_before=10, periods_after=15,
                                                     demeaned=self.long_short, group_adjust=self.group_neutral)

    def benchmark_growth(self, index: pd.DatetimeIndex) -> pd.Series | None:
        """Benchmark level rebased to 1.0 at the first bar of ``index``."""
        if self.benchmark is None:
            return None
        level = self.benchmark.reindex(index).ffill()
        first = level.dropna()
        return None if first.empty else (level / first.iloc[0]).rename(self.benchmark_name)

    @cached_property
    def headline(self) -> pd.DataFrame:
        """One row per period: predictive power, the interleaved long-short portfolio, turnover, costs."""
        ppy = self.periods_per_year
        rows = {}
        spread = self.spread_per_bar
        for lab in self.fd.labels:
            r = self.interleaved[lab]["long_short"]
            net = self.net_long_short[lab]
            turnover = self.interleaved.turnover[lab]["long_short"]
            rows[lab] = {
                "IC mean": self.ic_table.loc[lab, "IC Mean"],
                "IC t-stat (HAC)": self.ic_table.loc[lab, "HAC t-stat(IC)"],
                "IC t-stat (naive, dates independent)": self.ic_table.loc[lab, "t-stat(IC)"],
                SPREAD_LABEL: spread[lab] * 1e4,
                "long-short annual return": metrics.cagr(r, periods_per_year=ppy),
                "long-short Sharpe": metrics.sharpe_ratio(r, periods_per_year=ppy),
                "long-short max drawdown": metrics.max_drawdown(r),
                "turnover per bar": float(np.nanmean(turnover.to_numpy())),
                f"net annual return @ {self.cost_bps:g} bps": metrics.cagr(net, periods_per_year=ppy),
            }
        return pd.DataFrame(rows)

    @property
    def benchmark_name(self) -> str:
        """The benchmark's name as labels show it ('benchmark' when the Series has none)."""
        name = None if self.benchmark is None else self.benchmark.name
        return "benchmark" if name in (None, "") else str(name)

    @cached_property
    def benchmark_alpha_beta(self) -> pd.DataFrame | None:
        """Annualised alpha and beta of the long-short sleeves' per-bar returns (the cumulative chart's
        portfolio) against the user's benchmark, per period label; None without a benchmark.

        :func:`factorlab.metrics.alpha_beta` on the bars where both have a return; the benchmark's
        per-bar returns come from its level on the price bars (:func:`factorlab.report.benchmark_returns`).
        """
        if self.benchmark is None:
            return None
        from factorlab.report._model import benchmark_returns

        out = {}
        for lab in self.fd.labels:
            r = self.interleaved[lab]["long_short"]
            b = benchmark_returns(self.benchmark, r.index, kind="prices")
            alpha, beta = metrics.alpha_beta(r, b, periods_per_year=self.periods_per_year)
            out[lab] = {"Ann. alpha": alpha, "beta": beta}
        return pd.DataFrame(out, dtype="float64")

    @cached_property
    def returns_table(self) -> pd.DataFrame:
        """Alphalens' returns table: alpha, beta (against the equal-weighted universe, labelled; also
        against the user's benchmark when given), top and bottom quantile mean return and their spread,
        in bps per bar."""
        rate = self.mean_return_rate
        table = self.alpha_beta.copy()
        table = table.rename(index={"Ann. alpha": "Ann. alpha (vs equal-weighted universe)",
                                    "beta": "beta (vs equal-weighted universe)"})
        if self.benchmark_alpha_beta is not None:
            vs = f"long-short sleeves vs {self.benchmark_name}, per bar"
            table.loc[f"Ann. alpha ({vs})"] = self.benchmark_alpha_beta.loc["Ann. alpha"]
            table.loc[f"beta ({vs})"] = self.benchmark_alpha_beta.loc["beta"]
        table.loc["Mean return, top quantile (bps per bar)"] = rate.loc[self.top] * 1e4
        table.loc["Mean return, bottom quantile (bps per bar)"] = rate.loc[1] * 1e4
        table.loc[SPREAD_LABEL] = self.spread_per_bar * 1e4
        return table
