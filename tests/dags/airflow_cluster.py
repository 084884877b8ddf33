"""Start real Airflow components (api-server, scheduler, dag-processor, optionally Celery workers)
for integration tests, on PostgreSQL when it answers on 127.0.0.1:5432 (SQLite otherwise, said aloud)."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kdata.airflow_env import DAGS_FOLDER, PLUGINS_FOLDER, setup_airflow

__all__ = ["AirflowCluster", "free_port", "postgres_available"]

PG_DSN = "postgresql+psycopg2://postgres@127.0.0.1:5432/{db}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_available() -> bool:
    try:
        import psycopg2

        psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres", connect_timeout=3).close()
        return True
    except Exception:
        return False


def _pg(sql: str) -> None:
    import psycopg2

    con = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    con.autocommit = True
    try:
        con.cursor().execute(sql)
    finally:
        con.close()


@dataclass
class AirflowCluster:
    root: Path
    kdata_home: Path
    executor: str = "LocalExecutor"
    celery_workers: int = 0
    port: int = field(default_factory=free_port)
    procs: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)
    database: str = ""
    backend: str = ""
    token: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)
    """Added to every component's environment (e.g. KDATA_FAULT for crash tests)."""
    worker_env: dict[int, dict[str, str]] = field(default_factory=dict)
    """Added to one Celery worker's environment (1-based), e.g. its own KDATA_HOME."""
    worker_concurrency: int = 2
    """Task processes per Celery worker."""

    def env(self) -> dict[str, str]:
        home = self.root / "airflow"
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        env.update(
            {
                "AIRFLOW_HOME": str(home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
                "AIRFLOW__CORE__PLUGINS_FOLDER": str(PLUGINS_FOLDER),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__EXECUTOR": self.executor,
                "AIRFLOW__CORE__PARALLELISM": "4",
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.backend,
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{self.port}",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.port}/execution/",
                "AIRFLOW__API_AUTH__JWT_SECRET": self.secret,
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "kdata:admin",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
                "AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL": "5",
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
                "KDATA_HOME": str(self.kdata_home),
                "KDATA_CHUNK_BYTES": "40000",
                "KDATA_ROW_GROUP_BYTES": "10000",
                "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
            }
        )
        if self.executor == "CeleryExecutor":
            env["AIRFLOW__CELERY__BROKER_URL"] = "redis://127.0.0.1:6379/7"
            env["AIRFLOW__CELERY__RESULT_BACKEND"] = "db+" + self.backend.replace("+psycopg2", "")
            env["AIRFLOW__CELERY__WORKER_CONCURRENCY"] = str(self.worker_concurrency)
        env.update(self.extra_env)
        return env

    def start(self) -> None:
        self.secret = secrets.token_hex(16)
        if postgres_available():
            self.database = f"kdata_af_{os.getpid()}_{self.port}"
            _pg(f"CREATE DATABASE {self.database}")
            self.backend = PG_DSN.format(db=self.database)
        else:  # a laptop without PostgreSQL: say so, never skip silently
            print("PostgreSQL not reachable on 127.0.0.1:5432: using SQLite for the Airflow metadata DB")
            self.backend = f"sqlite:///{self.root / 'airflow.db'}"
        home = self.root / "airflow"
        home.mkdir(parents=True, exist_ok=True)
        (home / "passwords.json").write_text(json.dumps({"kdata": "kdata-test"}), encoding="utf-8")
        env = self.env()
        setup_airflow(env)
        self._spawn("api-server", ["api-server", "--port", str(self.port)], env)
        self._spawn("scheduler", ["scheduler"], env)
        self._spawn("dag-processor", ["dag-processor"], env)
        for n in range(self.celery_workers):
            self.start_worker(n + 1)
        self._wait_http("/api/v2/monitor/health", 120)
        self.token = self._login()

    def start_worker(self, n: int) -> None:
        """Start Celery worker ``n`` (``worker<n>``, with its :attr:`worker_env`)."""
        worker_env = {
            **self.env(),
            "KDATA_WORKER_NAME": f"worker{n}",
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "kdata.airflow_env.worker_hostname",
            **self.worker_env.get(n, {}),
        }
        self._spawn(
            f"worker{n}",
            ["celery", "worker", "--celery-hostname", f"worker{n}@%h", "--concurrency", str(self.worker_concurrency)],
            worker_env,
        )

    def stop_component(self, name: str, sig: int = signal.SIGTERM, timeout: float = 120) -> None:
        """Stop one component (e.g. ``worker1``; SIGTERM: a Celery worker's warm shutdown) and wait for it."""
        for own, proc in self.procs:
            if own == name and proc.poll() is None:
                os.killpg(proc.pid, sig)
                proc.wait(timeout=timeout)

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> None:
        log = open(self.root / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [sys.executable, "-m", "airflow", *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append((name, proc))

    def logs(self, lines: int = 40) -> str:
        out = []
        for name, _ in self.procs:
            text = (self.root / f"{name}.log").read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {name} ---\n" + "\n".join(text))
        return "\n".join(out)

    def _wait_http(self, path: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"airflow {name} exited with {proc.returncode}\n{self.logs()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(1)
        raise TimeoutError(f"api-server did not answer {path} in {timeout} s\n{self.logs()}")

    def _login(self) -> str:
        body = self.request("POST", "/auth/token", {"username": "kdata", "password": "kdata-test"}, auth=False)
        return str(body["access_token"])

    def request(self, method: str, path: str, body: Any = None, auth: bool = True) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if auth:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"{method} {path}: HTTP {error.code}: {error.read()[:500]!r}") from None

    def get_text(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as resp:
                return resp.status, resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, ""

    def status(self, method: str, path: str, body: Any = None) -> int:
        try:
            self.request(method, path, body)
            return 200
        except RuntimeError as error:
            return int(str(error).split("HTTP ", 1)[1].split(":", 1)[0])

    def wait_dag(self, dag_id: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.status("GET", f"/api/v2/dags/{dag_id}") == 200:
                return
            time.sleep(2)
        raise TimeoutError(f"{dag_id} was not parsed in {timeout} s\n{self.logs()}")

    def trigger(self, dag_id: str, conf: dict[str, Any]) -> str:
        run = self.request("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf})
        return str(run["dag_run_id"])

    def wait_run(self, dag_id: str, run_id: str, timeout: float = 420) -> str:
        deadline = time.monotonic() + timeout
        quoted = urllib.request.quote(run_id, safe="")
        while time.monotonic() < deadline:
            state = self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{quoted}")["state"]
            if state in ("success", "failed"):
                return str(state)
            time.sleep(2)
        raise TimeoutError(f"{dag_id} {run_id} did not finish in {timeout} s\n{self.logs()}")

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        quoted = urllib.request.quote(run_id, safe="")
        body = self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{quoted}/taskInstances?limit=100")
        return list(body["task_instances"])

    def stop(self) -> None:
        for _, proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for _, proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        if self.database:
            _pg(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")
