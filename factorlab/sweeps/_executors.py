"""Where sweep points run: in this process, in local worker processes, or on a Dask cluster.

The local executor uses :class:`concurrent.futures.ProcessPoolExecutor`. Its
start method (:func:`mp_context`) is 'fork' on Linux while the process has a
single Python thread (workers inherit the imported modules, no re-import
cost; registry connections are never kept open, so none is shared), and
'forkserver' otherwise (a notebook kernel has threads, and forking a
multi-threaded process can deadlock): the fork server is a clean
single-threaded process that preloads factorlab once. 'spawn' is the fallback
where neither exists (Windows); ``$FACTORLAB_START_METHOD`` overrides. The payload
(prices, settings) is sent once per worker through the pool initializer.

The Dask executor connects to a ``dask.distributed`` scheduler, broadcasts
the payload to every worker with ``scatter`` and submits one task per point.
Workers must be able to import the strategy's module (it is imported from the
same folder as here, so a shared filesystem or the same checkout) and to write
to the registry folder when runs are tracked.

Results come back in task order whichever executor runs them, so they are
identical.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

from factorlab.errors import ParameterError
from factorlab.sweeps._task import Payload, Task, run_task

__all__ = ["EXECUTORS", "mp_context", "run_tasks"]

EXECUTORS = ("local", "dask")
_WORKER_PAYLOAD: list[Payload] = []


def _progress(total: int, desc: str, enabled: bool):
    """A progress bar (tqdm.auto: widget in Jupyter, text in a terminal; no monitor thread), or a
    do-nothing stand-in when ``enabled`` is False or bars are off (:func:`factorlab.set_progress`)."""
    from factorlab._progress import progress_bar

    return progress_bar(total, desc=desc, unit="run", enabled=enabled)


def mp_context() -> multiprocessing.context.BaseContext:
    """The start method of local workers.

    ``$FACTORLAB_START_METHOD`` if set; otherwise 'fork' on Linux while this
    process runs a single Python thread (workers then inherit the imported
    modules and start in milliseconds), 'forkserver' when other threads exist
    (forking a multi-threaded process can deadlock), 'spawn' where neither exists.
    """
    methods = multiprocessing.get_all_start_methods()
    method = os.environ.get("FACTORLAB_START_METHOD")
    if method is None:
        if sys.platform.startswith("linux") and threading.active_count() == 1:
            method = "fork"
        else:
            method = "forkserver" if "forkserver" in methods else "spawn"
    if method not in methods:
        raise ParameterError(f"start method {method!r} is not available here; choose from {methods}")
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["factorlab.sweeps._task"])
    return ctx


def _init_worker(payload: Payload) -> None:
    _WORKER_PAYLOAD[:] = [payload]


def _run_in_worker(task: Task) -> dict:
    return run_task(_WORKER_PAYLOAD[0], task)


def _run_local(payload: Payload, tasks: Sequence[Task], jobs: int, progress: bool, desc: str) -> list[dict]:
    if jobs == 1 or len(tasks) <= 1:
        with _progress(len(tasks), desc, progress) as bar:
            out = []
            for task in tasks:
                out.append(run_task(payload, task))
                bar.update(1)
            return out
    ctx = mp_context()  # chosen before the progress bar starts its monitor thread
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=ctx,
                             initializer=_init_worker, initargs=(payload,)) as pool:
        futures = [pool.submit(_run_in_worker, t) for t in tasks]  # with 'fork' all workers start here
        with _progress(len(tasks), desc, progress) as bar:
            for _ in as_completed(futures):
                bar.update(1)
        return [f.result() for f in futures]


def _run_dask(payload: Payload, tasks: Sequence[Task], scheduler, progress: bool, desc: str) -> list[dict]:
    try:
        from distributed import Client
    except ImportError as exc:
        raise ParameterError("executor='dask' needs dask.distributed: pip install 'factorlab[dask]'") from exc
    if scheduler is None:
        raise ParameterError("executor='dask' needs a scheduler address (e.g. 'tcp://10.0.0.5:8786') or a Client")
    own = not isinstance(scheduler, Client)
    client = Client(scheduler, set_as_default=False) if own else scheduler
    try:
        shared = client.scatter(payload, broadcast=True)
        futures = [client.submit(run_task, shared, t, pure=False) for t in tasks]
        out = []
        with _progress(len(tasks), desc, progress) as bar:
            for fut in futures:  # in task order; the cluster runs them all meanwhile
                out.append(fut.result())
                bar.update(1)
        return out
    finally:
        if own:
            client.close()


def run_tasks(payload: Payload, tasks: Sequence[Task], *, jobs: int = 1, executor: str = "local",
              scheduler=None, progress: bool = True, desc: str = "sweep") -> list[dict]:
    """Run every task and return their outputs in task order.

    Parameters
    ----------
    payload : Payload
    tasks : sequence of Task
    jobs : int, default 1
        Local worker processes (1 = in this process).
    executor : {'local', 'dask'}
    scheduler : str or distributed.Client, optional
        Dask scheduler address (``executor='dask'``).
    progress : bool
        A tqdm progress bar (notebook-aware).
    """
    if executor not in EXECUTORS:
        raise ParameterError(f"executor must be one of {EXECUTORS}, got {executor!r}")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ParameterError(f"jobs must be an integer >= 1, got {jobs!r}")
    if executor == "dask":
        return _run_dask(payload, tasks, scheduler, progress, desc)
    return _run_local(payload, tasks, jobs, progress, desc)
