"""The ``factorlab`` command line. It only parses arguments and calls the public API."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

__all__ = ["main"]


def _quickstart(args: argparse.Namespace) -> int:
    import factorlab as fl

    sample = fl.load_sample()
    prices = sample.prices
    factor = -(prices / prices.shift(5) - 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fd = fl.prepare_factor_data(factor, prices, periods=(1, 5, 10), quantiles=5, groupby=sample.sectors)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tables = _analysis_tables(fl, fd)
    pd.set_option("display.width", 120)
    print(f"factorlab quickstart: 5-day reversal on the bundled sample "
          f"({prices.shape[1]} S&P 500 stocks, {prices.index[0].date()} .. {prices.index[-1].date()})")
    print(f"\n{fd!r}")
    for w in caught:
        print(f"warning: {w.message}")
    for name, table in tables.items():
        print(f"\n== {name} ==")
        print(table.to_string(float_format=lambda v: f"{v:.4f}"))
        table.to_csv(out / f"{name}.csv")
    print(f"\nsaved {len(tables)} tables to {out.resolve()}")
    return 0


def _analysis_tables(fl, fd) -> dict[str, pd.DataFrame]:
    tables: dict[str, pd.DataFrame] = {"dropped_entries": fd.quality.summary()}
    if hasattr(fl, "quantile_statistics"):
        tables["quantile_statistics"] = fl.quantile_statistics(fd)
    if hasattr(fl, "ic_summary"):
        tables["information_coefficient"] = fl.ic_summary(fl.information_coefficient(fd)).T
    if hasattr(fl, "mean_return_by_quantile"):
        mean, _ = fl.mean_return_by_quantile(fd)
        tables["mean_return_by_quantile_bps"] = mean * 1e4
    if hasattr(fl, "factor_alpha_beta"):
        tables["alpha_beta"] = fl.factor_alpha_beta(fd)
    if hasattr(fl, "quantile_turnover_table"):
        tables["turnover"] = fl.quantile_turnover_table(fd)
    return tables


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="factorlab", description="Factor research from tear sheet to backtest.")
    sub = parser.add_subparsers(dest="command", required=True)
    q = sub.add_parser("quickstart", help="analyse a 5-day reversal factor on the bundled sample",
                       description="Analyse a 5-day reversal factor on the bundled sample; print and save tables.")
    q.add_argument("--out", default="factorlab_output", help="folder for the CSV tables (default: %(default)s)")
    q.set_defaults(func=_quickstart)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``factorlab`` console script."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
