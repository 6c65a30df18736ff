"""The ``factorlab`` command line. It only parses arguments and calls the public API.

Commands: ``quickstart``, ``run``, ``tearsheet``, ``runs list|show|compare|delete``,
``sweep`` and ``walk-forward``; ``factorlab COMMAND --help`` documents each.

Exit codes: 0 success; 1 the strategy failed (its code raised, in any
callback or its constructor; the run is recorded ``failed``; a sweep whose
points all failed); 2 bad input (usage, a strategy module that cannot be
imported, unknown class, bad ``--param`` or ``--periods``, unreadable file,
dates outside the data, an output path that cannot be written, checked
before the run starts); 3 registry problem (no registry at ``--registry``,
unknown run id, damaged run files, a finished run that could not be
recorded: its result is still printed and saved); 130 interrupted with
Ctrl-C (the run is recorded ``interrupted``; a sweep prints its partial
table). Errors are one line on stderr; ``--traceback`` prints the full trace.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import traceback
import warnings
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from factorlab.errors import FactorlabError, RegistryWarning, SweepInterrupted

__all__ = ["build_parser", "main"]

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_REGISTRY, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
_HEADLINE = ("total_return", "cagr", "annual_volatility", "sharpe", "sortino", "max_drawdown", "calmar", "psr")


class _InputError(FactorlabError):
    """A file given on the command line could not be read (wrapped with its argument name)."""


def _fmt(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _table(frame: pd.DataFrame) -> str:
    with pd.option_context("display.width", 160, "display.max_columns", 30, "display.max_colwidth", 40):
        return frame.to_string(float_format=lambda v: f"{v:.4f}")


def _read(kind: str, path: str, option: str):
    """Read a prices/factor/table file named by ``option``; unreadable files become a clear input error."""
    from factorlab.data import read_factor, read_prices, read_table

    reader = {"prices": read_prices, "factor": read_factor, "table": read_table}[kind]
    try:
        return reader(path)
    except FactorlabError as exc:
        raise _InputError(f"{option} {path}: {exc}") from exc
    except (OSError, ValueError) as exc:  # unparseable CSV / Parquet from pandas or pyarrow
        raise _InputError(f"{option} {path}: cannot read the file ({type(exc).__name__}: {exc})") from exc


_OUTPUTS = {"save_equity": ("--save-equity", (".csv", ".parquet", ".pq")),
            "save_trades": ("--save-trades", (".csv", ".parquet", ".pq")),
            "save_orders": ("--save-orders", (".csv", ".parquet", ".pq")),
            "out": ("--out", None), "heatmap": ("--heatmap", None), "report": ("--report", None)}


def _check_outputs(args: argparse.Namespace) -> None:
    """Every output path given can be written (checked before a run starts, so no result waits on a typo).

    A report's missing folders are made when it is written; the other files need their folder.
    """
    for attr, (option, suffixes) in _OUTPUTS.items():
        value = getattr(args, attr, None)
        if value is None or (attr == "out" and args.command == "quickstart"):
            continue
        path = Path(value)
        if suffixes and path.suffix.lower() not in suffixes:
            raise _InputError(f"{option} {value}: use a file name ending in {' or '.join(suffixes[:2])}")
        if path.is_dir():
            raise _InputError(f"{option} {value}: is a folder; give a file name")
        folder = path.parent
        if attr == "report":
            while not folder.exists() and folder != folder.parent:
                folder = folder.parent
        if not folder.is_dir():
            raise _InputError(f"{option} {value}: the folder {folder} does not exist"
                              + (" (it is a file)" if folder.exists() else ""))
        if not os.access(folder, os.W_OK):
            raise _InputError(f"{option} {value}: the folder {folder.resolve()} is not writable")


def _periods(text: str) -> tuple[int, ...]:
    """``'1,5,10'`` -> (1, 5, 10); anything else is a clear input error."""
    try:
        out = tuple(int(p) for p in text.split(","))
    except ValueError:
        out = ()
    if not out or min(out) < 1:
        raise _InputError(f"--periods {text!r}: expected whole numbers of bars >= 1 separated by commas, "
                          "e.g. 1,5,10")
    return out


def _strategy(spec: str):
    from factorlab.registry import load_strategy

    return load_strategy(spec, os.getcwd())  # the current directory is importable, as with `python -m`


def _benchmark(text: str | None, prices: pd.DataFrame):
    """(benchmark levels, prices): a file, or a column of the prices (taken out of the tradable assets)."""
    if text is None:
        return None, prices
    if text in prices.columns:
        return prices[text].rename(text), prices.drop(columns=[text])
    if not Path(text).exists():
        raise _InputError(f"--benchmark {text!r} is neither a file nor a column of the prices "
                          f"(columns: {list(prices.columns[:8])}...)")
    levels = _read("prices", text, "--benchmark")
    return levels.iloc[:, 0], prices


def _quickstart(args: argparse.Namespace) -> int:
    import factorlab as fl

    sample = fl.load_sample()
    prices = sample.prices
    factor = -(prices / prices.shift(5) - 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fd = fl.prepare_factor_data(factor, prices, periods=(1, 5, 10), quantiles=5, groupby=sample.sectors)
        sheet = fl.create_full_tear_sheet(fd, by_group=True, benchmark=sample.benchmark, cost_bps=args.cost_bps)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pd.set_option("display.width", 120)
    print(f"factorlab quickstart: 5-day reversal on the bundled sample "
          f"({prices.shape[1]} S&P 500 stocks, {prices.index[0].date()} .. {prices.index[-1].date()})")
    print(f"\n{fd!r}")
    for w in caught:
        print(f"note: {w.message}")
    print("\n== verdict ==")
    print(sheet.verdict)
    print(sheet.tables["verdict"].to_string())
    for name in ("headline", "ic_summary", "returns_table", "turnover"):
        print(f"\n== {name} ==")  # each number in the HTML tear sheet's format and unit
        print(fl.plotting.format_table(sheet.tables[name], sheet.formats.get(name)).to_string())
    for name, table in sheet.tables.items():
        table.to_csv(out / f"{name}.csv")
    html = out / "tearsheet.html"
    sheet.to_html(html)
    print(f"\nfull tear sheet ({len(sheet.figures)} figures, {len(sheet.tables)} tables): {html.resolve()}")
    print(f"tables as CSV in {out.resolve()}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from factorlab.registry import tracked_backtest

    _check_outputs(args)
    cls = _strategy(args.strategy)
    params = cls.parse_params(args.param)
    prices = _at_resolution(_run_prices(args), args.resolution)
    bench, prices = _benchmark(args.benchmark, prices)
    report = _report_options(args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RegistryWarning)  # said below, after the result is printed and saved
        result = tracked_backtest(cls, prices, params=params, track=not args.no_track, registry=args.registry,
                                  benchmark=bench, start=args.start, end=args.end, progress=not args.no_progress,
                                  **_backtest_kwargs(args, prices))
    run_id = result.settings.get("run_id")
    print(f"{cls.__name__}({', '.join(f'{k}={v!r}' for k, v in params.items())}): {len(result.index)} bars "
          f"{result.index[0].date()} .. {result.index[-1].date()}, {len(result.assets)} assets"
          + (f", run {run_id}" if run_id else " (not tracked)"))
    stats = result.stats
    for key in (*_HEADLINE, "mean_turnover", "fills", "net_profit", "total_commission", "total_slippage"):
        print(f"  {key:<18} {_fmt(float(stats[key]))}")
    for key in ("trades", "trade_win_rate", "profit_factor", "expectancy", "average_win", "average_loss",
                "average_duration_days"):  # closed round trips: per trade, not per bar
        print(f"  {key:<18} {_fmt(float(stats[key]))}")
    from factorlab.backtest._warnings import summarize_warnings

    for line in summarize_warnings(result.warnings):  # one line per kind; --save-... and the report list all
        print(f"warning: {line}")
    saved = []
    for option, save in (("save_equity", result.save_equity), ("save_trades", result.save_trades),
                         ("save_orders", result.save_orders)):
        if getattr(args, option):
            saved.append(Path(save(getattr(args, option))).resolve())
            print(f"{option.replace('_', ' ')}: {saved[-1]}")
    if args.report:
        result.tear_sheet().to_html(args.report, **report)
        saved.append(Path(args.report).resolve())
        print(f"report: {saved[-1]}")
    problem = result.settings.get("record_error")
    if problem is None:
        return EXIT_OK
    print(f"factorlab run: registry problem: {problem}", file=sys.stderr)
    if saved:
        _note_saved(args.registry, run_id, saved)
    return EXIT_REGISTRY


def _note_saved(registry, run_id: str, saved: list[Path]) -> None:
    """Add where the output files are to the record of a run whose own files could not be saved."""
    from factorlab.registry import RegistryError, open_registry

    note = "the result was written to " + ", ".join(map(str, saved))
    try:
        open_registry(registry).add_error_note(run_id, note)
    except RegistryError as exc:
        print(f"factorlab run: {note} (not noted in the registry: {exc})", file=sys.stderr)
        return
    print(f"factorlab run: {note} (noted in run {run_id})", file=sys.stderr)


def _tearsheet(args: argparse.Namespace) -> int:
    import factorlab as fl

    _check_outputs(args)

    if args.sample:
        sample = fl.load_sample()
        prices = sample.prices
        factor = -(prices / prices.shift(5) - 1) if args.factor is None else _read("factor", args.factor, "--factor")
        groups = sample.sectors if args.groups is None else None
    else:
        if args.factor is None or args.prices is None:
            raise _InputError("tearsheet needs --factor FILE and --prices FILE, or --sample")
        prices, factor, groups = _read("prices", args.prices, "--prices"), _read("factor", args.factor,
                                                                                  "--factor"), None
    if args.groups is not None:
        table = _read("table", args.groups, "--groups")
        groups = table.set_index(table.columns[0]).iloc[:, 0]
    periods = _periods(args.periods)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sheet = fl.create_full_tear_sheet(factor, prices, periods=periods, quantiles=args.quantiles,
                                          groupby=groups, stale=args.stale, stale_bars=args.stale_bars,
                                          quantile_method=args.quantile_method,
                                          periods_per_year=args.periods_per_year)
    for w in caught:
        print(f"note: {w.message}")
    print("== headline ==")
    print(_table(sheet.tables["headline"]))
    print(sheet.analysis.annualisation_note)
    sheet.to_html(args.report)
    print(f"report: {Path(args.report).resolve()}")
    return EXIT_OK


def _runs(args: argparse.Namespace) -> int:
    from factorlab.registry import delete_run, load_run, open_registry

    if args.action == "list":
        reg = open_registry(args.registry, create=False)  # no registry there is an error, not a new one
        table = reg.table()
        if reg.read_only:
            print(f"(the registry {reg.root} cannot be written: opened read-only)")
        if table.empty:
            print(f"no runs recorded yet in {reg.root}")
            return EXIT_OK
        cols = ["created", "status", "strategy", "params", "sharpe", "total_return", "max_drawdown"]
        shown = table[cols].tail(args.limit).assign(
            created=lambda t: t["created"].dt.strftime("%Y-%m-%d %H:%M:%S"),
            params=lambda t: t["params"].str.slice(0, 60))
        print(_table(shown))
    elif args.action == "show":
        print(_table(load_run(args.ids[0], args.registry).summary()))
    elif args.action == "compare":
        stored = [load_run(i, args.registry) for i in args.ids]
        frame = pd.DataFrame({r.id: pd.Series({"strategy": r.record["strategy"], "status": r.status,
                                               **{f"param {k}": v for k, v in r.params.items()},
                                               **r.record["metrics"]}, dtype=object) for r in stored})
        print(_table(frame))
    else:
        for run_id in args.ids:
            delete_run(run_id, args.registry)
            print(f"deleted run {run_id}")
    return EXIT_OK


def _grid(cls, items: Sequence[str] | None) -> dict | None:
    """``['lookback=5,20', 'top=1,2']`` -> {'lookback': [5, 20], 'top': [1, 2]} typed like the defaults."""
    if not items:
        return None
    grid: dict[str, list] = {}
    for item in items:
        key, sep, values = item.partition("=")
        if not sep or not values:
            raise _InputError(f"--grid {item!r}: expected name=value1,value2,...")
        grid[key] = [cls.parse_params([f"{key}={v}"])[key] for v in values.split(",")]
    return grid


def _sweep_common(args: argparse.Namespace):
    cls = _strategy(args.strategy)
    grid = _grid(cls, args.grid)
    prices = _at_resolution(_run_prices(args), args.resolution)
    bench, prices = _benchmark(args.benchmark, prices)
    opts = {"objective": args.objective, "jobs": args.jobs, "executor": args.executor,
            "scheduler": args.scheduler, "benchmark": bench, "track": not args.no_track,
            "registry": args.registry, "progress": not args.no_progress, **_backtest_kwargs(args, prices)}
    return cls, grid, prices, opts


def _print_overfitting(res) -> None:
    """One line: trials, the probability of backtest overfitting and the best point's deflated Sharpe."""
    o = res.overfitting
    if o is None:
        return
    pbo = "n/a (needs 2 trials)" if pd.isna(o["pbo"]) else f"{o['pbo']:.3f} ({int(o['pbo_splits'])} blocks, CSCV)"
    print(f"overfitting: {int(o['n_trials'])} trials; probability of backtest overfitting {pbo}; deflated "
          f"Sharpe of the highest-Sharpe point {_fmt(float(o['best_deflated_sharpe']))} (probability its true "
          "Sharpe beats the best of as many unskilled trials)")


def _sweep(args: argparse.Namespace) -> int:
    from factorlab.sweeps import sweep

    _check_outputs(args)
    cls, grid, prices, opts = _sweep_common(args)
    report = _report_options(args)
    res = sweep(cls, prices, grid, start=args.start, end=args.end, n_trials=args.n_trials, seed=args.seed,
                **opts)
    _print_sweep(res)
    if args.out:
        res.table.to_csv(args.out, index=False)
        print(f"results: {Path(args.out).resolve()}")
    if (res.table["status"] != "finished").all():
        print(f"factorlab sweep: run failed: none of the {len(res.table)} points finished; first error: "
              f"{res.table['error'].iloc[0]}", file=sys.stderr)
        return EXIT_FAILED
    if args.heatmap:
        ax = res.plot_heatmap()
        ax.figure.savefig(args.heatmap, bbox_inches="tight")
        print(f"heatmap: {Path(args.heatmap).resolve()}")
    if args.report:
        import factorlab as fl

        keys = ("capital", "delay", "fractional", "commission", "slippage", "volumes", "volume_limit", "warmup",
                "periods_per_year")
        best = fl.run_backtest(cls, prices, params=res.best_params, start=args.start, end=args.end,
                               benchmark=opts["benchmark"], progress=False, **{k: opts[k] for k in keys})
        best.tear_sheet().to_html(args.report, **report)
        print(f"report of the best point: {Path(args.report).resolve()}")
    return EXIT_OK


def _print_sweep(res) -> None:
    """The ranked table, then one line per point that did not finish: its parameters, run id and error."""
    cols = ["rank", *res.param_names, *_HEADLINE, "deflated_sharpe", "status", "run_id"]
    print(f"sweep {res.sweep_id}: {len(res.table)} runs of {res.strategy}, ranked by {res.objective}")
    print(_table(res.table[cols].set_index("rank")))
    _print_overfitting(res)
    for _, row in res.failed.iterrows():
        _print_failed_point(row, res.param_names)


def _print_failed_point(row, names, where: str = "") -> None:
    """One line per point that did not finish: its parameters, its run id and its error."""
    params = ", ".join(f"{n}={row[n]!r}" for n in names)
    run = f"run {row['run_id']}" if isinstance(row["run_id"], str) else "not recorded"
    print(f"  {where}{row['status']} ({params}; {run}): {row['error']}")


def _walk_forward(args: argparse.Namespace) -> int:
    from factorlab.sweeps import walk_forward

    _check_outputs(args)
    cls, grid, prices, opts = _sweep_common(args)
    report = _report_options(args)
    wf = walk_forward(cls, prices, grid, train=args.train, test=args.test, anchored=args.anchored,
                      start=args.start, end=args.end, **opts)
    print(f"walk-forward: {len(wf.folds)} folds, train {args.train} bars, test {args.test} bars"
          f"{' (anchored)' if args.anchored else ''}, objective {wf.objective}")
    folds = wf.folds.assign(**{c: wf.folds[c].dt.date for c in ("train_start", "train_end", "test_start",
                                                                   "test_end")})
    print(_table(folds))
    for fold, fold_sweep in enumerate(wf.sweeps):
        for _, row in fold_sweep.failed.iterrows():
            _print_failed_point(row, wf.param_names, f"fold {fold} train ")
    print("out of sample (stitched):")
    for key in _HEADLINE:
        print(f"  {key:<18} {_fmt(float(wf.stats[key]))}")
    if args.save_equity:
        print(f"equity: {wf.save_equity(args.save_equity).resolve()}")
    if args.report:
        wf.tear_sheet().to_html(args.report, **report)
        print(f"report: {Path(args.report).resolve()}")
    return EXIT_OK


_RESOLUTION_UNITS = {"s": "s", "sec": "s", "second": "s", "min": "min", "m": "min", "minute": "min",
                     "h": "h", "hr": "h", "hour": "h", "d": "D", "day": "D", "daily": "D", "w": "W",
                     "week": "W", "weekly": "W", "mo": "M", "month": "M", "monthly": "M"}


def _parse_resolution(text: str) -> tuple[int, str]:
    """'1day' -> (1, 'D'), '5min' -> (5, 'min'), 'hour' -> (1, 'h'), '1month' -> (1, 'M')."""
    m = re.fullmatch(r"\s*(\d*)\s*([A-Za-z]+?)s?\s*", str(text))
    unit = _RESOLUTION_UNITS.get(m.group(2).lower()) if m else None
    if unit is None or (m.group(1) and int(m.group(1)) < 1):
        raise _InputError(f"--resolution {text!r} is not a bar length; use e.g. 1min, 5min, 1hour, 1day, 1week, "
                          "1month")
    return int(m.group(1) or 1), unit


def _run_prices(args: argparse.Namespace) -> pd.DataFrame:
    """--prices FILE, or the bundled sample's prices with the S&P 500 as column 'SPY' (--sample)."""
    if not args.sample:
        return _read("prices", args.prices, "--prices")
    import factorlab as fl

    sample = fl.load_sample()
    return sample.prices.assign(SPY=sample.benchmark.reindex(sample.prices.index))


def _at_resolution(prices: pd.DataFrame, resolution: str | None) -> pd.DataFrame:
    """Check that the prices have the bar ``--resolution`` states; finer bars are resampled to it (the last
    price of each bar, bars without any price left out); coarser ones are an error."""
    if resolution is None:
        return prices
    n, unit = _parse_resolution(resolution)
    if len(prices.index) < 2:
        return prices
    have = pd.Timedelta(prices.index.to_series().diff().median())
    if unit == "M":
        want_lo, want_hi = pd.Timedelta(days=28 * n), pd.Timedelta(days=31 * n)
        rule = f"{n}ME"
    else:
        want_lo = want_hi = pd.Timedelta(n, unit)
        rule = f"{n}{unit}"
    if unit == "D" and n == 1 and pd.Timedelta(days=1) <= have <= pd.Timedelta(days=3):
        return prices  # daily bars of a session market (weekends and holidays between some bars)
    if unit == "W" and pd.Timedelta(days=7 * n - 3) <= have <= pd.Timedelta(days=7 * n + 3):
        return prices
    if want_lo <= have <= want_hi:
        return prices
    if have > want_hi:
        raise _InputError(f"--resolution {resolution}: the prices have {_bar_words(have)} bars, coarser than "
                          f"{resolution}; give prices at {resolution} or a coarser --resolution")
    out = prices.resample(rule, label="right", closed="right").last().dropna(how="all")
    print(f"note: prices of {_bar_words(have)} bars resampled to {resolution} (last price per bar): "
          f"{len(prices):,} -> {len(out):,} bars")
    return out


def _bar_words(td: pd.Timedelta) -> str:
    return str(td).replace("0 days ", "").replace(" 00:00:00", "")


def _common_run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--strategy", required=True, metavar="MODULE:CLASS",
                   help="Strategy subclass to run, e.g. my_strategy:MyStrategy (the current directory is importable)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--prices", metavar="FILE", help="prices as .csv or .parquet (wide or long)")
    src.add_argument("--sample", action="store_true",
                     help="the bundled sample (100 S&P 500 stocks 2015-2020) with the S&P 500 index as column "
                          "'SPY' (for --benchmark SPY)")
    p.add_argument("--start", help="first bar to replay (date inside the data)")
    p.add_argument("--end", help="last bar to replay (date inside the data)")
    p.add_argument("--capital", "--cash", dest="capital", type=float, default=1_000_000.0,
                   help="starting capital; --cash is the same (default: %(default)s)")
    p.add_argument("--resolution", metavar="BAR",
                   help="the bar the prices must have: 1min, 5min, 1hour, 1day, 1week, 1month ... (checked "
                        "against the prices; finer prices are resampled to it, last price per bar)")
    p.add_argument("--delay", "--execution-delay", dest="delay", type=int, default=0, metavar="BARS",
                   help="orders fill BARS bars after they are placed (default: 0, the tear sheet's)")
    shares = p.add_mutually_exclusive_group()
    shares.add_argument("--whole-shares", dest="whole_shares", action="store_true", default=False,
                        help="trade whole shares (share counts truncated toward zero)")
    shares.add_argument("--fractional", dest="whole_shares", action="store_false",
                        help="trade fractional shares (the default, as the tear sheet)")
    _friction_args(p)
    p.add_argument("--benchmark", metavar="FILE_OR_COLUMN",
                   help="benchmark levels: a file, or a column of the prices (then not traded)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--no-track", action="store_true", help="do not record the run(s) in the registry")
    _registry_arg(p)


def _friction_args(p: argparse.ArgumentParser) -> None:
    """Costs, volume limit, warmup, annualisation and report options shared by run, sweep, walk-forward."""
    p.add_argument("--commission-bps", type=float, default=0.0, metavar="BPS",
                   help="commission in bps of traded notional (default: 0)")
    p.add_argument("--slippage-bps", type=float, default=0.0, metavar="BPS",
                   help="fixed slippage in bps against every fill (default: 0)")
    p.add_argument("--volume-limit", type=float, default=None, metavar="FRACTION",
                   help="fill at most FRACTION of each bar's volume per asset (needs --volumes)")
    p.add_argument("--volumes", metavar="FILE",
                   help="shares traded per bar and asset (.csv/.parquet, shaped like the prices): volume "
                        "limit and the report's capacity")
    p.add_argument("--warmup", type=int, default=0, metavar="BARS",
                   help="bars of history before --start visible to the strategy (default: 0; a strategy's "
                        "class-level warmup is honoured too)")
    p.add_argument("--periods-per-year", type=float, default=None, metavar="N",
                   help="bars per year for annualised figures (default: inferred from the price index)")
    p.add_argument("--template", metavar="FILE",
                   help="report template: Jinja2 or the reference syntax ({{$KPI-SHARPE}}); with --report")
    p.add_argument("--css", metavar="FILE", help="report stylesheet replacing the default; with --report")


def _backtest_kwargs(args: argparse.Namespace, prices: pd.DataFrame) -> dict:
    """The :func:`factorlab.run_backtest` settings of the common run options (the API's names)."""
    volumes = None
    if args.volumes is not None:
        volumes = _read("prices", args.volumes, "--volumes")
        missing = prices.columns.difference(volumes.columns)
        if len(missing):
            raise _InputError(f"--volumes {args.volumes}: no volumes for {len(missing)} asset(s) of the "
                              f"prices, e.g. {list(missing[:5])}")
        volumes = volumes[prices.columns]
    if args.volume_limit is not None and volumes is None:
        raise _InputError("--volume-limit needs --volumes FILE (shares traded per bar and asset)")
    return {"capital": args.capital, "delay": args.delay, "fractional": not args.whole_shares,
            "commission": args.commission_bps or None, "slippage": args.slippage_bps or None,
            "volumes": volumes, "volume_limit": args.volume_limit, "warmup": args.warmup,
            "periods_per_year": args.periods_per_year}


def _report_options(args: argparse.Namespace) -> dict:
    if (args.template or args.css) and not args.report:
        raise _InputError("--template and --css style the HTML report: add --report FILE")
    return {"template": args.template, "css": args.css}


def _registry_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--registry", metavar="DIR", default=None,
                   help="run registry folder (default: $FACTORLAB_REGISTRY or ./.factorlab)")


def _sweep_args(p: argparse.ArgumentParser) -> None:
    from factorlab.sweeps import EXECUTORS, OBJECTIVES

    _common_run_args(p)
    p.add_argument("--grid", action="append", metavar="NAME=V1,V2",
                   help="values of one parameter (repeat per parameter); default: the class's sweep_grid")
    p.add_argument("--objective", choices=OBJECTIVES, default="sharpe", help="ranking metric (default: sharpe)")
    p.add_argument("--jobs", type=int, default=1, help="local worker processes (default: 1)")
    p.add_argument("--executor", choices=EXECUTORS, default="local",
                   help="'local' processes or a 'dask' cluster (needs --scheduler)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="dask.distributed scheduler, e.g. tcp://host:8786")


def _add_run_parsers(sub) -> None:
    r = sub.add_parser("run", help="backtest a Strategy class and record the run",
                       description="Backtest module:Class on a prices file, print a stats summary and record "
                                   "the run in the registry.")
    _common_run_args(r)
    r.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="strategy parameter override (repeatable), converted to the default's type")
    r.add_argument("--report", metavar="FILE", help="write the returns tear sheet as HTML")
    r.add_argument("--save-equity", metavar="FILE", help="write equity/cash/returns (.csv or .parquet)")
    r.add_argument("--save-trades", metavar="FILE", help="write the fills (.csv or .parquet)")
    r.add_argument("--save-orders", metavar="FILE", help="write the orders (.csv or .parquet)")
    r.set_defaults(func=_run)
    s = sub.add_parser("sweep", help="backtest every combination of a parameter grid, ranked",
                       description="Run every grid combination (each recorded), rank by --objective.")
    _sweep_args(s)
    s.add_argument("--out", metavar="FILE", help="write the ranked results table as CSV")
    s.add_argument("--heatmap", metavar="FILE", help="save a heatmap (two-parameter grids) as an image")
    s.add_argument("--report", metavar="FILE", help="write the returns report of the best point as HTML")
    s.add_argument("--n-trials", type=int, default=None, metavar="K",
                   help="random search: run K points drawn from the grid (default: the whole grid)")
    s.add_argument("--seed", type=int, default=None, help="seed of the random search (same seed, same points)")
    s.set_defaults(func=_sweep)
    w = sub.add_parser("walk-forward", help="optimise on rolling train windows, test out of sample",
                       description="Choose the best grid point on each train window, trade it on the next test "
                                   "window, and stitch the out-of-sample equity.")
    _sweep_args(w)
    w.add_argument("--train", type=int, default=504, help="train window in bars (default: %(default)s)")
    w.add_argument("--test", type=int, default=126, help="test window in bars (default: %(default)s)")
    w.add_argument("--anchored", action="store_true", help="train on all bars before each test window")
    w.add_argument("--save-equity", metavar="FILE",
                   help="write the stitched out-of-sample equity and returns (.csv or .parquet)")
    w.add_argument("--report", metavar="FILE", help="write the returns report of the stitched out-of-sample "
                                                    "returns as HTML")
    w.set_defaults(func=_walk_forward)


def _add_other_parsers(sub) -> None:
    t = sub.add_parser("tearsheet", help="full factor tear sheet as HTML",
                       description="Factor tear sheet (quantile returns, IC, turnover, events) of a factor file.")
    t.add_argument("--factor", metavar="FILE", help="factor (.csv/.parquet; wide or long date,asset,value)")
    t.add_argument("--prices", metavar="FILE", help="prices (.csv/.parquet)")
    t.add_argument("--sample", action="store_true",
                   help="use the bundled sample (prices, sectors; a 5-day reversal factor unless --factor)")
    t.add_argument("--periods", default="1,5,10", help="forward return periods in bars (default: %(default)s)")
    t.add_argument("--quantiles", type=int, default=5, help="number of quantiles (default: %(default)s)")
    t.add_argument("--groups", metavar="FILE", help="CSV asset,group (e.g. sectors)")
    t.add_argument("--stale", choices=("report", "drop"), default="report",
                   help="prices unchanged for --stale-bars bars: report them, or drop them as no price "
                        "(vendor files padded before listing and after delisting) (default: %(default)s)")
    t.add_argument("--stale-bars", type=int, default=10, metavar="N",
                   help="run length from which a price is stale (default: %(default)s)")
    t.add_argument("--quantile-method", choices=("qcut", "rank"), default="qcut",
                   help="qcut: pd.qcut's buckets (as Alphalens); rank: tied values share a bucket "
                        "(default: %(default)s)")
    t.add_argument("--periods-per-year", type=float, default=None, metavar="N",
                   help="bars per year for annualised figures (default: inferred from the price index's "
                        "calendar and bar length)")
    t.add_argument("--report", default="tearsheet.html", metavar="FILE", help="HTML output (default: %(default)s)")
    t.set_defaults(func=_tearsheet)
    r = sub.add_parser("runs", help="the run registry: list, show, compare, delete",
                       description="Inspect the runs recorded in the registry.")
    _registry_arg(r)
    rs = r.add_subparsers(dest="action", required=True)
    lst = rs.add_parser("list", help="list recorded runs")
    lst.add_argument("--limit", type=int, default=50, help="show the last N runs (default: %(default)s)")
    for name, nargs, text in (("show", 1, "details and metrics of one run"),
                              ("compare", "+", "metrics of several runs side by side"),
                              ("delete", "+", "delete runs and their files")):
        sp = rs.add_parser(name, help=text, description=text)
        sp.add_argument("ids", nargs=nargs, metavar="ID", help="run id (or a unique prefix)")
    r.set_defaults(func=_runs)


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of every command."""
    parser = argparse.ArgumentParser(prog="factorlab", description="Factor research from tear sheet to backtest.",
                                     epilog="exit codes: 0 ok, 1 the strategy failed, 2 bad input, 3 registry "
                                            "problem, 130 interrupted (Ctrl-C)")
    parser.add_argument("--traceback", action="store_true",
                        help="print the full trace of an error (accepted anywhere on the command line)")
    sub = parser.add_subparsers(dest="command", required=True)
    q = sub.add_parser("quickstart", help="analyse a 5-day reversal factor on the bundled sample",
                       description="Full tear sheet of a 5-day reversal factor on the bundled sample: "
                                   "prints the headline tables, writes tearsheet.html and CSV tables.")
    q.add_argument("--out", default="factorlab_output",
                   help="folder for tearsheet.html and the CSV tables (default: %(default)s)")
    q.add_argument("--cost-bps", type=float, default=10.0,
                   help="cost in bps of traded notional for the net-of-cost headline (default: %(default)s)")
    q.set_defaults(func=_quickstart)
    _add_run_parsers(sub)
    _add_other_parsers(sub)
    return parser


def _in_strategy(exc: BaseException) -> bool:
    """The error was raised by the strategy's code during the run (the engine notes the bar on it)."""
    return any(n.startswith("raised in ") and " at bar " in n for n in getattr(exc, "__notes__", ()))


def _exit_code(exc: FactorlabError) -> int:
    from factorlab.backtest import BacktestError
    from factorlab.registry import RegistryError
    from factorlab.sweeps import SweepFailedError

    if isinstance(exc, (BacktestError, SweepFailedError)) or _in_strategy(exc):
        return EXIT_FAILED
    if isinstance(exc, RegistryError):
        return EXIT_REGISTRY
    return EXIT_INPUT


def _one_line(exc: BaseException) -> str:
    """The message and its notes on one line (a strategy's traceback is left to ``--traceback``)."""
    lines = [*str(exc).strip().splitlines()[:1], *getattr(exc, "__notes__", ())]
    return "; ".join(line.strip() for line in lines if line.strip()) or type(exc).__name__


def _print_partial(result) -> None:
    from factorlab.sweeps import SweepResult

    if isinstance(result, SweepResult):
        _print_sweep(result)
    elif result:  # a walk-forward's points: finished or not, one line each
        for out in result:
            row = {**out["params"], "status": out["status"], "run_id": out["run_id"],
                   "error": out["error"] or "finished"}
            _print_failed_point(row, list(out["params"]))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``factorlab`` console script; returns the exit code.

    ``--traceback`` anywhere on the command line prints the full trace of an error.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    show_trace = "--traceback" in argv
    args = build_parser().parse_args([a for a in argv if a != "--traceback"])
    hint = "" if show_trace else " (--traceback for the full trace)"
    try:
        return int(args.func(args))
    except SweepInterrupted as exc:
        _print_partial(exc.result)
        print(f"factorlab {args.command}: interrupted: {exc}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print(f"factorlab {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except FactorlabError as exc:
        code = _exit_code(exc)
        what = "run failed" if code == EXIT_FAILED else "error"
        if show_trace:
            traceback.print_exc()
        kind = "bad input" if isinstance(exc, _InputError) else type(exc).__name__  # no private name shown
        print(f"factorlab {args.command}: {what}: {kind}: {_one_line(exc)}"
              + (hint if code == EXIT_FAILED else ""), file=sys.stderr)
        return code
    except OSError as exc:  # e.g. an output file that passed the checks could not be written (disk full)
        if show_trace:
            traceback.print_exc()
        print(f"factorlab {args.command}: error: {type(exc).__name__}: {exc} (a run already recorded stays in "
              f"the registry: factorlab runs list){hint}", file=sys.stderr)
        return EXIT_INPUT
    except Exception as exc:  # noqa: BLE001 - the strategy's own code raised (constructor, helpers): one line, exit 1
        if show_trace:
            traceback.print_exc()
        print(f"factorlab {args.command}: run failed: {type(exc).__name__}: {_one_line(exc)}{hint}",
              file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
