"""The run registry: a SQLite database (WAL mode) plus Parquet files per run.

Layout under the registry folder (default ``./.factorlab``)::

    runs.db                 # one row per run (table ``runs``)
    runs/<id>/equity.parquet, returns.parquet, trades.parquet, orders.parquet

A run is written in three steps, each atomic: a ``running`` row is inserted
(with the writer's pid and host), the Parquet files are written to temporary
names and renamed into place, then the row is switched to ``finished`` with
its metrics in one transaction. A process killed in between leaves a
``running`` row whose pid is gone; the next open marks it ``interrupted``.
Listing never depends on the Parquet files, so a damaged file only affects
loading that one run.
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


class RunRegistry:
    """A folder holding ``runs.db`` and the Parquet files of every run.

    Parameters
    ----------
    path : str or Path, optional
        The registry folder (created if missing); default
        :func:`default_registry_dir`. A path ending in ``.db`` names the
        database file itself and its folder holds the run files.
    recover : bool, default True
        Mark ``running`` rows of dead processes on this host ``interrupted``.
    """

    def __init__(self, path=None, *, recover: bool = True) -> None:
        p = Path(path) if path is not None else default_registry_dir()
        self.db_path = p if p.suffix == ".db" else p / "runs.db"
        self.root = self.db_path.parent
        try:
            (self.root / "runs").mkdir(parents=True, exist_ok=True)
            self._create_schema()
        except (OSError, sqlite3.Error) as exc:
            raise RegistryError(f"cannot open the run registry {self.db_path}: {exc}") from exc
        if recover:
            self.recover()

    def __repr__(self) -> str:
        return f"RunRegistry({str(self.root)!r})"

    # ------------------------------------------------------------ plumbing
    def _create_schema(self) -> None:
        """Create the tables (if missing).

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

    def finish(self, run_id: str, metrics: Mapping | None = None) -> None:
        """Mark a run ``finished`` with its metrics."""
        self._write("UPDATE runs SET status='finished', finished=?, metrics=? WHERE id=?",
                    (_now(), _dumps(metrics), run_id))

    def fail(self, run_id: str, error: BaseException | str, status: str = "failed") -> None:
        """Mark a run ``failed`` (or ``interrupted``) with the error (type and message)."""
        if status not in ("failed", "interrupted"):
            raise RegistryError(f"a stopped run is 'failed' or 'interrupted', not {status!r}")
        text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        self._write("UPDATE runs SET status=?, finished=?, error=? WHERE id=?", (status, _now(), text, run_id))

    def recover(self) -> int:
        """Mark ``running`` rows whose process (on this host) is gone as ``interrupted``; returns how many."""
        host = socket.gethostname()
        con = self._connect()
        try:
            rows = con.execute("SELECT id, pid FROM runs WHERE status='running' AND host=?", (host,)).fetchall()
        finally:
            con.close()
        dead = [rid for rid, pid in rows if not _pid_alive(pid)]
        for rid in dead:
            self._write("UPDATE runs SET status='interrupted', finished=?, "
                        "error='the process running it ended before it finished' "
                        "WHERE id=? AND status='running'", (_now(), rid))
        return len(dead)

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
        con = self._connect()
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
