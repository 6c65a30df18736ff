"""The run registry: a SQLite database (WAL mode) plus Parquet files per run.

Layout under the registry folder (default ``./.factorlab``)::

    runs.db                 # one row per run (table ``runs``)
    runs/<id>/equity.parquet, returns.parquet, trades.parquet, orders.parquet

A run is written in four steps, each atomic: a ``running`` row is inserted
(with the writer's pid and host), the Parquet files are written to temporary
names and renamed into place, the outcome (status and metrics) is written
next to them as ``outcome.json``, then the row is switched to ``finished``
with its metrics in one transaction. A finished result is never lost:

- when the files cannot be written (folder not writable, disk full), the row
  says ``failed`` with the error and keeps the metrics; the caller still gets
  the result;
- when the database cannot be updated (made read-only during the run), the
  ``outcome.json`` is applied the next time the registry is opened with write
  access, and read-only listings already show it.

A process killed before it wrote an outcome leaves a ``running`` row whose pid
is gone; the next open marks it ``interrupted``. Listing never depends on the
Parquet files, so a damaged file only affects loading that one run.

A registry that cannot be written (read-only folder or database) is opened
read-only by the readers (``runs()``, ``load_run``, ``factorlab runs``), which
also refuse a path where no registry exists instead of creating one.
"""

from __future__ import annotations

import json
import math
import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from factorlab.registry._errors import CorruptRunError, RegistryError, RunNotFoundError

__all__ = ["ARTIFACTS", "STATUSES", "RunRegistry", "default_registry_dir"]

ARTIFACTS = ("equity", "returns", "trades", "orders")
STATUSES = ("running", "finished", "failed", "interrupted")
_COLUMNS = ("id", "created", "finished", "status", "kind", "strategy", "params", "data_fingerprint",
            "code_version", "error", "metrics", "settings", "group_id", "pid", "host")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    finished TEXT,
    status TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'backtest',
    strategy TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    data_fingerprint TEXT,
    code_version TEXT,
    error TEXT,
    metrics TEXT NOT NULL DEFAULT '{}',
    settings TEXT NOT NULL DEFAULT '{}',
    group_id TEXT,
    pid INTEGER,
    host TEXT
);
CREATE INDEX IF NOT EXISTS runs_created ON runs(created);
PRAGMA user_version = 1;
"""


def default_registry_dir() -> Path:
    """``$FACTORLAB_REGISTRY`` if set, else ``.factorlab`` under the current working directory."""
    env = os.environ.get("FACTORLAB_REGISTRY")
    return Path(env) if env else Path.cwd() / ".factorlab"


def _now() -> str:
    return pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _jsonable(value):
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (TypeError, ValueError):
            return repr(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def _dumps(value) -> str:
    return json.dumps(_jsonable(value or {}), sort_keys=False)


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


_OUTCOME = "outcome.json"
_NO_OUTCOME = ("the process running it ended without recording an outcome (killed, or the registry was "
               "not writable when it finished)")


class RunRegistry:
    """A folder holding ``runs.db`` and the Parquet files of every run.

    Parameters
    ----------
    path : str or Path, optional
        The registry folder (created if missing); default
        :func:`default_registry_dir`. A path ending in ``.db`` names the
        database file itself and its folder holds the run files.
    recover : bool, default True
        Apply the ``outcome.json`` of runs whose final database write failed,
        and mark ``running`` rows of dead processes on this host ``interrupted``.
    create : bool, default True
        Create the registry when missing (the writers). With False (the
        readers) a missing registry raises :class:`RegistryError`, and one that
        cannot be written is opened read-only (:attr:`read_only`).

    Attributes
    ----------
    read_only : bool
        The registry is opened read-only: listing and loading work, recording raises.
    """

    def __init__(self, path=None, *, recover: bool = True, create: bool = True) -> None:
        p = Path(path) if path is not None else default_registry_dir()
        self.db_path = p if p.suffix == ".db" else p / "runs.db"
        self.root = self.db_path.parent
        self.read_only = False
        if not create and not self.db_path.is_file():
            raise RegistryError(f"no run registry at {self.root} ({self.db_path.name} not found); check "
                                "--registry or $FACTORLAB_REGISTRY (a registry is created by the commands that "
                                "record runs: run, sweep, walk-forward)")
        try:
            (self.root / "runs").mkdir(parents=True, exist_ok=True)
            self._create_schema()
        except (OSError, sqlite3.Error) as exc:
            if create:
                raise RegistryError(f"cannot open the run registry {self.db_path}: {exc}") from exc
            self.read_only = True
        if recover and not self.read_only:
            try:
                self.recover()
            except RegistryError:
                if create:
                    raise
                self.read_only = True  # a reader lists what recover() would have written (see _rows)
        if self.read_only:
            self._rows("WHERE 0")  # readable at all? raises RegistryError naming the file if not

    def __repr__(self) -> str:
        return f"RunRegistry({str(self.root)!r}{', read-only' if self.read_only else ''})"

    # ------------------------------------------------------------ plumbing
    def _create_schema(self) -> None:
        """Create the tables (if missing).

        Setting ``user_version`` (the layout version, 1) always writes, so a
        database that cannot be written is found here, before any run starts.
        Processes opening a new registry at once race to switch it to WAL and
        to create the tables; SQLite answers some of these races with an
        immediate "database is locked" (its busy timeout does not apply where
        waiting could deadlock), so it is retried as writes are.
        """
        self._retry_locked(lambda con: con.executescript("BEGIN IMMEDIATE;\n" + _SCHEMA + "\nCOMMIT;"))

    def _retry_locked(self, work):
        """``work(connection)`` on a fresh connection, again (up to 50 times, backing off) while the
        database is locked or busy; other errors and the last attempt's raise ``sqlite3.Error``."""
        attempt = 0
        while True:
            try:
                con = self._connect()
                try:
                    return work(con)
                finally:
                    con.close()
            except sqlite3.OperationalError as exc:
                attempt += 1
                if ("locked" not in str(exc) and "busy" not in str(exc)) or attempt == 50:
                    raise
                time.sleep(0.05 * attempt)

    def _connect(self) -> sqlite3.Connection:
        if self.read_only:
            uri = f"file:{quote(str(self.db_path.resolve()))}?mode=ro"
            return sqlite3.connect(uri, uri=True, timeout=60.0, isolation_level=None)
        con = sqlite3.connect(self.db_path, timeout=60.0, isolation_level=None)
        con.execute("PRAGMA busy_timeout=60000")
        mode = con.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode.lower() != "wal":  # pragma: no cover - e.g. a network filesystem
            con.close()
            raise RegistryError(f"{self.db_path}: could not switch SQLite to WAL mode (got {mode})")
        con.execute("PRAGMA synchronous=NORMAL")
        return con

    def _write(self, sql: str, args: tuple) -> int:
        """Run one statement in its own IMMEDIATE transaction (retried while the database is locked)."""

        if self.read_only:
            raise RegistryError(f"{self.db_path} is opened read-only (it cannot be written); nothing was changed")

        def write(con: sqlite3.Connection) -> int:
            con.execute("BEGIN IMMEDIATE")
            n = con.execute(sql, args).rowcount
            con.execute("COMMIT")
            return n

        try:
            return self._retry_locked(write)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise RegistryError(f"{self.db_path}: database stayed locked; another process holds it") from exc
            raise RegistryError(f"{self.db_path}: {exc}") from exc

    def run_dir(self, run_id: str) -> Path:
        """Folder of the Parquet files of one run."""
        return self.root / "runs" / run_id

    # ------------------------------------------------------------ writing
    def start(self, strategy: str, params: Mapping | None = None, *, kind: str = "backtest",
              data_fingerprint: str | None = None, code_version: str | None = None,
              settings: Mapping | None = None, group_id: str | None = None) -> str:
        """Insert a ``running`` row and return the new run id (12 hex digits)."""
        run_id = uuid.uuid4().hex[:12]
        self._write("INSERT INTO runs (id, created, status, kind, strategy, params, data_fingerprint, "
                    "code_version, settings, group_id, pid, host) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (run_id, _now(), "running", kind, strategy, _dumps(params), data_fingerprint,
                     code_version, _dumps(settings), group_id, os.getpid(), socket.gethostname()))
        return run_id

    def save_artifacts(self, run_id: str, frames: Mapping[str, pd.DataFrame | pd.Series]) -> None:
        """Write each frame to ``runs/<id>/<name>.parquet`` (temporary name, then an atomic rename)."""
        folder = self.run_dir(run_id)
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in frames.items():
            df = frame.to_frame() if isinstance(frame, pd.Series) else frame
            tmp = folder / f".{name}.{os.getpid()}.tmp"
            df.to_parquet(tmp)
            os.replace(tmp, folder / f"{name}.parquet")

    def write_outcome(self, run_id: str, status: str, metrics: Mapping | None = None,
                      error: str | None = None) -> Path:
        """Write ``runs/<id>/outcome.json`` (temporary name, then an atomic rename): the run's final
        status and metrics, kept next to its files so that a failed database update loses nothing."""
        path = self.run_dir(run_id) / _OUTCOME
        tmp = path.with_name(f".{_OUTCOME}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"status": status, "finished": _now(), "metrics": _jsonable(metrics or {}),
                                   "error": error}))
        os.replace(tmp, path)
        return path

    def read_outcome(self, run_id: str) -> dict | None:
        """The ``outcome.json`` of a run, or None when there is none (or it cannot be read)."""
        path = self.run_dir(run_id) / _OUTCOME
        try:
            out = json.loads(path.read_text())
        except (OSError, ValueError):  # none, or unreadable: the row's own status stands
            return None
        return out if isinstance(out, dict) and out.get("status") in STATUSES else None

    def finish(self, run_id: str, metrics: Mapping | None = None) -> None:
        """Mark a run ``finished`` with its metrics."""
        self._write("UPDATE runs SET status='finished', finished=?, metrics=? WHERE id=?",
                    (_now(), _dumps(metrics), run_id))

    def fail(self, run_id: str, error: BaseException | str, status: str = "failed",
             metrics: Mapping | None = None) -> None:
        """Mark a run ``failed`` (or ``interrupted``) with the error (type and message) and, for a run
        whose result was computed but not saved, its metrics."""
        if status not in ("failed", "interrupted"):
            raise RegistryError(f"a stopped run is 'failed' or 'interrupted', not {status!r}")
        text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        self._write("UPDATE runs SET status=?, finished=?, error=?, metrics=? WHERE id=?",
                    (status, _now(), text, _dumps(metrics), run_id))

    def add_error_note(self, run_id: str, note: str) -> None:
        """Append ``note`` to the error text of a run (e.g. where its result files were written)."""
        self._write("UPDATE runs SET error=COALESCE(error || '; ', '') || ? WHERE id=?", (note, run_id))

    def _settle(self, rows: list[tuple]) -> list[tuple[str, str, dict, str | None]]:
        """(id, status, metrics, error) for ``running`` rows ``(id, pid, host)`` that have ended: those
        with an outcome file take it; those of a dead process on this host are ``interrupted``."""
        host = socket.gethostname()
        out = []
        for rid, pid, row_host in rows:
            outcome = self.read_outcome(rid)
            if outcome is not None:
                out.append((rid, outcome["status"], outcome.get("metrics") or {}, outcome.get("error")))
            elif row_host == host and not _pid_alive(pid):
                out.append((rid, "interrupted", {}, _NO_OUTCOME))
        return out

    def recover(self) -> int:
        """Settle ``running`` rows that have ended (their ``outcome.json`` applied, or ``interrupted`` when
        their process on this host is gone without one); returns how many."""
        con = self._connect()
        try:
            rows = con.execute("SELECT id, pid, host FROM runs WHERE status='running'").fetchall()
        finally:
            con.close()
        settled = self._settle(rows)
        for rid, status, metrics, error in settled:
            self._write("UPDATE runs SET status=?, finished=?, metrics=?, error=? WHERE id=? AND status='running'",
                        (status, _now(), _dumps(metrics), error, rid))
        return len(settled)

    def delete(self, run_id: str) -> None:
        """Remove a run's row and files."""
        if not self._write("DELETE FROM runs WHERE id=?", (run_id,)):
            raise RunNotFoundError(f"no run {run_id!r} in {self.db_path}")
        folder = self.run_dir(run_id)
        if folder.exists():
            for f in folder.iterdir():
                f.unlink()
            folder.rmdir()

    # ------------------------------------------------------------ reading
    def _rows(self, where: str = "", args: tuple = ()) -> list[dict]:
        try:
            con = self._connect()
        except sqlite3.Error as exc:
            raise RegistryError(f"cannot read {self.db_path}: {exc}") from exc
        try:
            cur = con.execute(f"SELECT {', '.join(_COLUMNS)} FROM runs {where} ORDER BY created, id", args)
            rows = [dict(zip(_COLUMNS, r)) for r in cur.fetchall()]
        except sqlite3.Error as exc:
            raise RegistryError(f"cannot read {self.db_path}: {exc}") from exc
        finally:
            con.close()
        for r in rows:
            for key in ("params", "metrics", "settings"):
                try:
                    r[key] = json.loads(r[key] or "{}")
                except json.JSONDecodeError:
                    r[key] = {"<unreadable>": r[key]}
        if self.read_only:  # what recover() would write, shown without writing it
            running = {r["id"]: r for r in rows if r["status"] == "running"}
            for rid, status, metrics, error in self._settle([(i, r["pid"], r["host"]) for i, r in running.items()]):
                running[rid].update(status=status, metrics=metrics, error=error)
        return rows

    def record(self, run_id: str) -> dict:
        """The row of one run as a dict (params, metrics and settings decoded)."""
        rows = self._rows("WHERE id=?", (run_id,))
        if not rows:
            rows = self._rows("WHERE id LIKE ?", (run_id + "%",)) if len(run_id) >= 4 else []
            if len(rows) > 1:
                raise RunNotFoundError(f"run id prefix {run_id!r} is ambiguous: {[r['id'] for r in rows]}")
        if not rows:
            raise RunNotFoundError(f"no run {run_id!r} in {self.db_path}; see `factorlab runs list`")
        return rows[0]

    def table(self, metrics: tuple[str, ...] = ("total_return", "cagr", "sharpe", "sortino", "max_drawdown",
                                                   "calmar", "psr")) -> pd.DataFrame:
        """Every run as a row (index ``id``): created, status, strategy, params, ..., one column per metric."""
        rows = self._rows()
        cols = ["created", "finished", "status", "kind", "strategy", "params", "data_fingerprint",
                "code_version", "error", "group_id"]
        data = {c: [r[c] for r in rows] for c in cols}
        data["params"] = [json.dumps(r["params"]) for r in rows]
        for m in metrics:
            data[m] = [r["metrics"].get(m) for r in rows]
        frame = pd.DataFrame(data, index=pd.Index([r["id"] for r in rows], name="id"))
        for m in metrics:
            frame[m] = pd.to_numeric(frame[m], errors="coerce").astype("float64")
        for c in ("created", "finished"):
            frame[c] = pd.to_datetime(frame[c], utc=True, format="ISO8601")
        return frame

    def read_artifact(self, run_id: str, name: str) -> pd.DataFrame:
        """One stored Parquet file of a run.

        Raises
        ------
        CorruptRunError
            The file is missing or cannot be read as Parquet.
        """
        path = self.run_dir(run_id) / f"{name}.parquet"
        if not path.exists():
            raise CorruptRunError(f"run {run_id}: {name}.parquet is missing from {path.parent}")
        try:
            return pd.read_parquet(path)
        except (OSError, ValueError) as exc:  # pyarrow raises ArrowInvalid (a ValueError) or OSError
            raise CorruptRunError(f"run {run_id}: {path} is not a readable Parquet file ({exc}); "
                                  f"delete the run with `factorlab runs delete {run_id}`") from exc
