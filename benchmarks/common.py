"""Shared helpers: medians, peak RSS of a child process, the machine description, the results file."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "KDATA_INGEST_INPROCESS",
    "RESULTS",
    "ChildTimeout",
    "Runs",
    "kdata_ingest",
    "machine",
    "median_time",
    "run_child",
    "run_command",
    "stop_gx_worker",
]

RESULTS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return f"{platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


def median_time(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, list[float]]:
    """Median wall time of ``repeat`` runs (never the best of many)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


class ChildTimeout(RuntimeError):
    """A benchmark child killed after its time limit: the way it measures did not finish."""

    def __init__(self, seconds: float, peak: float) -> None:
        super().__init__(f"benchmark child did not finish within {seconds:.0f} s (killed)")
        self.seconds = seconds
        self.peak = peak


def run_child(
    code: str, env: dict[str, str] | None = None, args: list[str] | None = None, timeout: float | None = None
) -> tuple[float, float, str]:
    """Run Python code in a child process; returns (seconds, peak RSS MiB of that child alone, stdout).

    The peak is the child's own ``VmHWM`` (see :data:`_HIGH_WATER`); ``wait4``'s ``ru_maxrss`` only when
    the child could not report it. A child still running after ``timeout`` seconds is killed:
    :class:`ChildTimeout`.
    """
    import threading

    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", _HIGH_WATER + code, *(args or [])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    timer = threading.Timer(timeout, proc.kill) if timeout else None
    if timer is not None:
        timer.start()
    out, err = _communicate(proc)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if timer is not None:
        timer.cancel()
    code_ = os.waitstatus_to_exitcode(status)
    proc.returncode = code_  # reaped here, so Popen must not wait for it again
    if timeout and elapsed >= timeout and code_ != 0:
        raise ChildTimeout(elapsed, usage.ru_maxrss / 1024)
    if code_ != 0:
        raise RuntimeError(f"benchmark child failed ({code_}):\n{err[-3000:]}")
    own = [line for line in err.splitlines() if line.startswith(_MARK)]
    peak = float(own[-1][len(_MARK) :]) if own else usage.ru_maxrss / 1024
    return elapsed, peak, out


def run_command(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run a program (not Python: ``unzip``); returns (seconds, peak RSS MiB from ``wait4``).

    ``ru_maxrss`` may carry the forking parent's high-water mark (see :data:`_HIGH_WATER`): an upper bound."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, **(env or {})})
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed ({proc.returncode}):\n{err[-3000:]}")
    return elapsed, usage.ru_maxrss / 1024


_KDATA_WHOLE = """
import runpy, sys
script = sys.argv[1]
sys.argv = ["kdata", "ingest", sys.argv[2], "--json"]
runpy.run_path(script, run_name="__main__")
"""

KDATA_INGEST_INPROCESS = """
import json, sys, time
from kcore.config import load_settings
from kdata import pipeline
import great_expectations  # import cost is paid once per worker process, not per dataset: keep it out
start = time.perf_counter()
result = pipeline.ingest(load_settings(), sys.argv[1])
print(json.dumps({"seconds": time.perf_counter() - start, "rows": result["rows"]}))
"""
"""``pipeline.ingest`` timed inside its process, from after the imports (GX included) to the catalog entry."""


class Runs:
    """Seconds (and peak RSS) per way over repeated runs, summarised into a benchmark's result."""

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = {}
        self.peaks: dict[str, list[float]] = {}

    def note(self, name: str, seconds: float, peak: float | None = None) -> None:
        self.seconds.setdefault(name, []).append(round(seconds, 2))
        if peak is not None:
            self.peaks.setdefault(name, []).append(round(peak))

    def ours(self, dataset: Path, work: Path, count: int, result: dict[str, Any]) -> None:
        """One ``kdata ingest`` as a whole process (``whole``) and one in-process (``inprocess``), each in a
        fresh KDATA_HOME; the whole one must publish ``count`` rows (its Parquet MB go to ``result``)."""
        import shutil
        import tempfile

        home = Path(tempfile.mkdtemp(dir=work, prefix="home-"))
        seconds, peak, done = kdata_ingest(dataset, {"KDATA_HOME": str(home), "KDATA_USER": "bench"})
        if sum(done["rows"].values()) != count or done["status"] != "published":
            raise RuntimeError(f"kdata ingest: {done}")
        self.note("whole", seconds, peak)
        result["parquet_mb"] = round(sum(p.stat().st_size for p in (home / "store").rglob("*.parquet")) / 1e6, 1)
        stop_gx_worker(home, None, check=False)  # a worker per fresh home: none left to load the next runs
        shutil.rmtree(home)
        home = Path(tempfile.mkdtemp(dir=work, prefix="home-"))
        _, peak, text = run_child(
            KDATA_INGEST_INPROCESS, {"KDATA_HOME": str(home), "KDATA_USER": "bench"}, [str(dataset)]
        )
        self.note("inprocess", json.loads(text)["seconds"], peak)
        stop_gx_worker(home, None, check=False)
        shutil.rmtree(home)

    def reference(
        self,
        name: str,
        code: str,
        source: Path,
        work: Path,
        count: int,
        result: dict[str, Any],
        *,
        counts: tuple[str, ...] = ("rows",),
        timeout: float | None = None,
    ) -> None:
        """One run of a reference tool (``code``, a child given SOURCE, an OUT Parquet path and a CACHE folder,
        printing JSON with its own ``seconds`` and ``counts``) in a fresh folder under ``work``: notes
        ``<name>_whole`` (the whole process) and ``<name>_inprocess`` (the child's own figure); each of
        ``counts`` must equal ``count``; its Parquet MB go to ``result["<name>_parquet_mb"]``. A child stopped
        after ``timeout`` seconds notes that time as a bound (``<name>_whole`` only) and sets
        ``result["<name>_unfinished"]``."""
        import shutil
        import tempfile

        out = Path(tempfile.mkdtemp(dir=work, prefix=f"{name}-"))
        parquet = out / f"{name}.parquet"
        try:
            seconds, peak, text = run_child(code, None, [str(source), str(parquet), str(out / "c")], timeout=timeout)
        except ChildTimeout as stopped:  # a lower bound: it needs at least this long
            result[f"{name}_unfinished"] = True
            self.note(f"{name}_whole", stopped.seconds, stopped.peak)
        else:
            done = json.loads(text)
            if any(done[key] != count for key in counts):
                raise RuntimeError(f"{name} wrote {', '.join(f'{done[k]} {k}' for k in counts)} for {count}")
            self.note(f"{name}_whole", seconds, peak)
            self.note(f"{name}_inprocess", done["seconds"])
            result[f"{name}_parquet_mb"] = round(parquet.stat().st_size / 1e6, 1)
        shutil.rmtree(out)

    def summarise(self, result: dict[str, Any], count: int, unit: str, digits: int = 0) -> None:
        """Per way: ``<way>_runs``, the median ``<way>_s``, ``<way>_<unit>_s`` (count per second) and the peak."""
        for name, values in self.seconds.items():
            seconds = statistics.median(values)
            result[f"{name}_runs"] = values
            result[f"{name}_s"] = round(seconds, 2)
            result[f"{name}_{unit}_s"] = round(count / seconds, digits) if digits else round(count / seconds)
            if name in self.peaks:
                result[f"{name}_peak_rss_mib"] = max(self.peaks[name])


def kdata_ingest(dataset: Path, env: dict[str, str]) -> tuple[float, float, dict[str, Any]]:
    """``kdata ingest DATASET --json`` as a user runs it: the whole process, interpreter start and every import
    included (``--json`` also hides the progress display). Runs the installed ``kdata`` script itself
    (``runpy``) so the child reports its own peak RSS.
    Returns (seconds, peak RSS MiB, the command's JSON)."""
    script = Path(sys.executable).with_name("kdata")
    seconds, peak, out = run_child(_KDATA_WHOLE, env, [str(script), str(dataset)])
    return seconds, peak, json.loads(out)


def ingest_env(home: Path, runtime: Path, mode: str) -> dict[str, str]:
    """The environment of a timed ``kdata ingest`` in ``home`` with GX worker mode ``mode`` (``warm`` or
    ``off``); the worker's socket lives under ``runtime`` (its ``XDG_RUNTIME_DIR``)."""
    return {
        "KDATA_HOME": str(home),
        "KDATA_STORE": str(home / "store"),
        "KDATA_USER": "bench",
        "KDATA_GX_WORKER": mode,
        "KDATA_GX_WORKER_IDLE_S": "600",
        "XDG_RUNTIME_DIR": str(runtime),
    }


def ingest_in_home(dataset: Path, home: Path, runtime: Path, mode: str) -> tuple[float, float, dict[str, Any]]:
    """One timed ``kdata ingest`` from an empty ``home`` at that path (its logs kept; a GX worker, per path,
    stays); raises unless it published. Seconds, peak RSS MiB (a job run in the warm worker: its process's)
    and the command's JSON."""
    import shutil

    for path in home.iterdir() if home.exists() else ():
        if path.name != "logs":  # the warm worker writes its log there (kept: it says where jobs ran)
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    jobs = len(_worker_jobs(home))
    seconds, peak, status = kdata_ingest(dataset, ingest_env(home, runtime, mode))
    if status.get("status") != "published":
        raise RuntimeError(f"kdata ingest {dataset}: {status}")
    ran_in = _worker_jobs(home)[jobs:]
    if ran_in:  # the ingest ran in a child of the warm worker: its peak (and its extract processes') counts
        job_peak, cpu = _job_usage(home, ran_in[-1])
        peak = max(peak, job_peak)
        status["job_cpu_s"] = cpu  # CPU seconds of the job and the processes it reaped (noise-proof work)
    return seconds, peak, status


def _worker_log(home: Path) -> str:
    path = home / "logs" / "gx-worker.log"
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def _worker_jobs(home: Path) -> list[int]:
    """Process ids of the whole-ingest jobs the warm worker of ``home`` ran, from its log."""
    import re

    return [int(pid) for pid in re.findall(r"ingest job \d+ in process (\d+)", _worker_log(home))]


def _job_usage(home: Path, pid: int, wait_s: float = 5.0) -> tuple[float, float]:
    """Peak RSS MiB and CPU seconds of job process ``pid`` and its children (``wait4``, logged by the worker
    when it reaps it)."""
    import re

    deadline = time.monotonic() + wait_s
    while True:
        found = re.search(rf"job process {pid} ended \([^)]*\), peak RSS (\d+) MiB, CPU ([\d.]+) s", _worker_log(home))
        if found:
            return float(found.group(1)), float(found.group(2))
        if time.monotonic() > deadline:
            raise RuntimeError(f"the warm worker of {home} logged no end of job process {pid}")
        time.sleep(0.1)


class WarmHome:
    """One ``KDATA_HOME`` whose GX worker stays warm between timed ingests: the steady state of a data team's
    host after its first ingest. The first :meth:`ingest` starts the worker (untimed); each timed one starts
    from an empty home at the same path (the worker is per path). :meth:`stop` ends the worker."""

    def __init__(self, work: Path) -> None:
        self.home = work / "home-warm"
        self.runtime = work / "runtime"
        self.runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._started = False

    def ingest(self, dataset: Path) -> tuple[float, float, dict[str, Any]]:
        """Seconds, peak RSS MiB and the JSON of one timed ``kdata ingest`` with the worker warm."""
        if not self._started:
            self._run(dataset)
            wait_ready(self.home, self.runtime)
            self._started = True
        return self._run(dataset)

    def _run(self, dataset: Path) -> tuple[float, float, dict[str, Any]]:
        return ingest_in_home(dataset, self.home, self.runtime, "warm")

    def stop(self) -> None:
        stop_gx_worker(self.home, self.runtime, check=False, settle_s=1.0)


def wait_ready(home: Path, runtime: Path, wait_s: float = 60.0) -> None:
    """Wait until the warm worker of ``home`` takes whole ingests (its imports done after the first
    ingest's quality job): a timed "warm" run that came earlier would run in the command instead."""
    code = (
        "import sys, time; from pathlib import Path; from kdata import gx_worker\n"
        "deadline = time.monotonic() + float(sys.argv[2])\n"
        "while not gx_worker.takes_ingests(Path(sys.argv[1])):\n"
        "    if time.monotonic() > deadline: sys.exit(f'the worker of {sys.argv[1]} is not ready')\n"
        "    time.sleep(0.1)\n"
    )
    env = {**os.environ, "KDATA_GX_WORKER": "warm", "XDG_RUNTIME_DIR": str(runtime)}
    subprocess.run([sys.executable, "-c", code, str(home), str(wait_s)], env=env, check=True)


def stop_gx_worker(home: Path, runtime: Path | None, *, check: bool = True, settle_s: float = 0.0) -> None:
    """Stop the warm GX worker of ``home`` (its socket under ``runtime``, the ``XDG_RUNTIME_DIR`` it was started
    with; ``None``: this process's) from a separate process; ``check``: raise if that fails (``False`` in
    ``finally`` blocks); ``settle_s``: then wait that long for its children to finish and its socket to go."""
    code = "import sys; from pathlib import Path; from kdata.gx_worker import stop; stop(Path(sys.argv[1]))"
    env = {**os.environ, "KDATA_GX_WORKER": "warm"}
    if runtime is not None:
        env["XDG_RUNTIME_DIR"] = str(runtime)
    subprocess.run([sys.executable, "-c", code, str(home)], env=env, check=check)
    if settle_s:
        time.sleep(settle_s)


_MARK = "KDATA_BENCH_VMHWM_MIB="
_HIGH_WATER = (
    "import atexit as _atexit, sys as _sys\n"
    "def _kdata_bench_hwm():\n"
    "    for _line in open('/proc/self/status'):\n"
    "        if _line.startswith('VmHWM:'):\n"
    f"            print('{_MARK}' + str(int(_line.split()[1]) / 1024), file=_sys.stderr, flush=True)\n"
    "_atexit.register(_kdata_bench_hwm)\n"
)
"""The child's own peak RSS (VmHWM of its memory since exec), printed at exit. ``wait4``'s ``ru_maxrss``
is not it: Linux keeps across ``execve`` the high-water mark of the memory the child was forked from,
so a child of a 1 GiB benchmark process reported 1 GiB whatever it used (seen in the memory section)."""


def _communicate(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """Read both pipes to the end without reaping the child (``wait4`` must reap it to get its rusage)."""
    import threading

    chunks: dict[str, str] = {}

    def drain(name: str, stream: Any) -> None:
        chunks[name] = stream.read()

    threads = [threading.Thread(target=drain, args=(n, s)) for n, s in (("out", proc.stdout), ("err", proc.stderr))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return chunks.get("out", ""), chunks.get("err", "")


def dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
