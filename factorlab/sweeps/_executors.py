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

Ctrl-C (SIGINT to the process, or to its process group as a terminal sends
it) stops a sweep within seconds: queued points are cancelled at once (a
shared stop event makes a worker return 'cancelled' for any point it picks
up afterwards), running points are interrupted (the workers get SIGINT if it
did not reach them) and recorded ``interrupted``, and :class:`SweepInterrupted`
carries the outputs of every point, finished or not. Workers ignore SIGINT
while idle, so an interrupted pool still shuts down cleanly.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed, wait

from factorlab.errors import ParameterError, SweepInterrupted
from factorlab.sweeps._task import Payload, Task, cancelled_output, run_task

__all__ = ["EXECUTORS", "mp_context", "run_tasks"]

EXECUTORS = ("local", "dask")
_WORKER_PAYLOAD: list = []  # [payload, stop event] in a worker
#: Seconds the running points get to stop by themselves after Ctrl-C (a terminal's SIGINT reaches them too)
#: before they are sent SIGINT, and then to record themselves interrupted before they are killed.
STOP_GRACE = (1.0, 5.0)


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


def _init_worker(payload: Payload, stop, pids) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # idle workers ignore Ctrl-C; a running point does not
    _WORKER_PAYLOAD[:] = [payload, stop]
    pids.put(os.getpid())


def _run_in_worker(task: Task) -> dict:
    payload, stop = _WORKER_PAYLOAD
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return run_task(payload, task, stop)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _interrupted(outputs: list[dict], desc: str) -> SweepInterrupted:
    done = sum(o["status"] in ("finished", "failed") for o in outputs)
    return SweepInterrupted(f"{desc} interrupted: {done} of {len(outputs)} points done, "
                            f"{sum(o['status'] == 'interrupted' for o in outputs)} interrupted, "
                            f"{sum(o['status'] == 'cancelled' for o in outputs)} cancelled", outputs)


def _run_here(payload: Payload, tasks: Sequence[Task], progress: bool, desc: str) -> list[dict]:
    out: list[dict] = []
    try:
        with _progress(len(tasks), desc, progress) as bar:
            for task in tasks:
                out.append(run_task(payload, task))
                bar.update(1)
                if out[-1]["status"] == "interrupted":
                    raise KeyboardInterrupt
    except KeyboardInterrupt:
        out += [cancelled_output(t) for t in tasks[len(out):]]
        raise _interrupted(out, desc) from None
    return out


def _worker_pids(pids) -> list[int]:
    out = []
    while not pids.empty():
        out.append(pids.get())
    return out


def _stop_running(futures, pids) -> None:
    """After Ctrl-C: give running points a moment, then SIGINT the workers (idle ones ignore it), then
    SIGKILL them if a point still runs (its row is then marked interrupted when the registry is next opened)."""
    def still_running(fs, timeout: float) -> list:
        # wait() would wait out the timeout on a cancelled future (cancelled but never "notified")
        return [f for f in wait([f for f in fs if not f.done()], timeout=timeout).not_done if not f.done()]

    running = still_running(futures, STOP_GRACE[0])
    workers = _worker_pids(pids) if running else []
    for sig in (signal.SIGINT, signal.SIGKILL):
        if not running:
            return
        for pid in workers:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:  # that worker has already exited: nothing to stop
                continue
        running = still_running(running, STOP_GRACE[1])


def _local_outputs(tasks: Sequence[Task], futures) -> list[dict]:
    out = []
    for task, fut in zip(tasks, futures):
        if fut.cancelled():
            out.append(cancelled_output(task))
        elif not fut.done() or fut.exception() is not None:  # killed, or the worker died
            error = "stopped: the worker did not finish" if not fut.done() else repr(fut.exception())
            out.append({**cancelled_output(task), "status": "interrupted", "error": f"interrupted: {error}"})
        else:
            out.append(fut.result())
    return out


def _run_local(payload: Payload, tasks: Sequence[Task], jobs: int, progress: bool, desc: str) -> list[dict]:
    if jobs == 1 or len(tasks) <= 1:
        return _run_here(payload, tasks, progress, desc)
    ctx = mp_context()  # chosen before the progress bar starts its monitor thread
    stop, pids = ctx.Event(), ctx.SimpleQueue()
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=ctx,
                               initializer=_init_worker, initargs=(payload, stop, pids))
    futures: list = []
    try:
        futures = [pool.submit(_run_in_worker, t) for t in tasks]  # with 'fork' all workers start here
        with _progress(len(tasks), desc, progress) as bar:
            for _ in as_completed(futures):
                bar.update(1)
    except KeyboardInterrupt:
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        _stop_running(futures, pids)
        outputs = _local_outputs(tasks, futures) + [cancelled_output(t) for t in tasks[len(futures):]]
        raise _interrupted(outputs, desc) from None
    finally:
        pool.shutdown(wait=True)
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
        shared = client.scatter(payload, broadcast=True, hash=False)  # a new key of its own, whatever else runs
        futures = [client.submit(run_task, shared, t, pure=False) for t in tasks]
        out = []
        try:
            with _progress(len(tasks), desc, progress) as bar:
                for fut in futures:  # in task order; the cluster runs them all meanwhile
                    out.append(fut.result())
                    bar.update(1)
        except KeyboardInterrupt:
            client.cancel(futures[len(out):])
            out += [cancelled_output(t, "the sweep was interrupted before its result arrived")
                    for t in tasks[len(out):]]
            raise _interrupted(out, desc) from None
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
