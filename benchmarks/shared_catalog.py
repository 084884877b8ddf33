"""The shared catalog (``KDATA_CATALOG=postgresql://…``) beside the embedded DuckDB file, on the same datasets
(issue 19): registration latency, in-process search latency, and ``kdata search`` / ``kdata sql`` as whole
processes.

Catalogs: the search benchmark's embedded catalog (:func:`benchmarks.search.build_catalog`: the first 1,000
datasets registered through ``register_version``, the rest bulk-loaded), then copied row for row into a new
PostgreSQL database: a writer connection with ``KDATA_CATALOG`` set creates the tables (the PostgreSQL
migrations), and one DuckDB session that attaches both the embedded file (read-only) and PostgreSQL runs
``INSERT INTO pg.T BY NAME SELECT * FROM duckdb.T`` per catalog table (``audit_seq`` moved past the copied audit
rows). Both catalogs then hold the same rows.

Figures, each backend in turn (whole processes interleaved round by round):

1. **registration**: ``benchmarks.synthetic.register`` of one more dataset version: ``connect(settings)`` +
   ``register_version`` + close, what the pipeline's ``register_run`` does (embedded: the writer lock, the
   transaction, the snapshot copy; shared: a session that loads the postgres extension and attaches, the
   PostgreSQL transaction). ``BENCH_SHARED_REGISTRATIONS`` new datasets (default 20); the transaction alone
   (``register_version`` in an open connection) timed apart;
2. **search in-process**: ``search_page`` over :data:`benchmarks.search.QUERIES` on one read-only connection,
   in-process index warm (one untimed pass), ``BENCH_SHARED_ROUNDS`` passes; and the SQL path (index off,
   what a one-shot ``kdata search`` runs), 2 passes;
3. ``kdata search 자율주행 영상`` and ``kdata sql 'SELECT count(*) FROM datasets'`` as whole processes,
   ``BENCH_SHARED_RUNS`` runs each (default 10), the shared catalog's from an empty ``KDATA_HOME``;
4. where a shared-catalog session's time goes: ``LOAD postgres``, ``ATTACH`` and the first query, timed in
   fresh processes.

PostgreSQL: ``BENCH_POSTGRES`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``, the database
to CREATE/DROP the benchmark's own ``kdata_bench_<hex>`` in; dropped at the end).

Reproduce: ``.venv/bin/python -m benchmarks shared_catalog`` (``BENCH_SHARED_SIZE=10000``).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.common import machine

__all__ = ["COPIED_TABLES", "postgres_database", "run", "section"]

ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES", os.environ.get("KDATA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
)
QUERY = "자율주행 영상"
COUNT_SQL = "SELECT count(*) FROM datasets"
COPIED_TABLES = (
    "datasets",
    "licenses",
    "versions",
    "splits",
    "chunks",
    "search_postings",
    "column_docs",
    "record_schemas",
    "quality_runs",
    "quality_results",
    "pii_findings",
    "approvals",
    "quarantine",
    "roles",
    "audit_log",
)
"""Every catalog table with rows to copy; ``schema_migrations``, ``domains`` and ``catalog_generation`` are
filled by the PostgreSQL migrations themselves."""


@contextmanager
def postgres_database(admin_url: str = ADMIN_URL) -> Iterator[str]:
    """A new empty database ``kdata_bench_<hex>`` (its URL), dropped afterwards."""
    import psycopg2

    name = f"kdata_bench_{secrets.token_hex(6)}"
    admin = psycopg2.connect(admin_url, connect_timeout=5)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def fill_postgres(embedded: Path, url: str, pg_home: Path) -> dict[str, Any]:
    """Copy every row of the embedded catalog file ``embedded`` into the (new) PostgreSQL catalog at ``url``."""
    import duckdb

    from catalog.db import _config, connect
    from catalog.literal import sql_literal
    from kcore.config import load_settings

    start = time.perf_counter()
    with connect(
        load_settings(
            {"KDATA_HOME": str(pg_home), "KDATA_CATALOG": url, "KDATA_USER": "bench", "KDATA_ADMINS": "bench"}
        )
    ):
        pass  # a writer connection applies the PostgreSQL migrations
    con = duckdb.connect(":memory:", config=_config())
    try:
        con.execute("LOAD postgres")
        con.execute(f"ATTACH {sql_literal(str(embedded))} AS src (READ_ONLY)")
        con.execute(f"ATTACH {sql_literal(url)} AS pg (TYPE postgres)")
        rows = {}
        for table in COPIED_TABLES:
            con.execute(f"INSERT INTO pg.{table} BY NAME SELECT * FROM src.{table}")
            row = con.execute(f"SELECT count(*) FROM src.{table}").fetchone()
            rows[table] = int(row[0]) if row else 0
        top = con.execute("SELECT coalesce(max(seq), 0) FROM src.audit_log").fetchone()
        assert top is not None
        con.execute(f"CALL postgres_execute('pg', 'SELECT setval(''audit_seq'', {int(top[0]) + 1}, false)')")
        size = con.execute("SELECT * FROM postgres_query('pg', 'SELECT pg_database_size(current_database())')")
        found = size.fetchone()
    finally:
        con.close()
    return {
        "copy_s": round(time.perf_counter() - start, 1),
        "rows_copied": rows,
        "pg_mb": round(int(found[0]) / 1e6, 1) if found else 0.0,
    }


def _settings(home: Path, url: str | None) -> Any:
    from kcore.config import load_settings

    env = {"KDATA_HOME": str(home), "KDATA_USER": "bench", "KDATA_ADMINS": "bench"}  # the admin of its own catalog
    return load_settings(env | {"KDATA_CATALOG": url} if url else env)


def _stats(times: list[float]) -> dict[str, float]:
    from benchmarks.search import _percentile

    return {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(_percentile(times, 95), 2)}


def registrations(settings: Any, first: int, count: int, parquet: Path) -> dict[str, Any]:
    """Register ``count`` new datasets one by one as the pipeline does (connection + transaction each), open
    and close ``count`` writer connections that do nothing, then register ``count`` more datasets inside one
    open connection (the transaction alone); milliseconds."""
    import random

    from benchmarks.search import SEED, _manifest, _profile
    from benchmarks.synthetic import fake_version_manifest
    from catalog.db import connect
    from catalog.register import register_version

    rng = random.Random(SEED + first)
    manifests = [_manifest(first + i, _profile(rng), rng) for i in range(2 * count)]
    whole, opened, work, closed = [], [], [], []
    for m in manifests[:count]:  # benchmarks.synthetic.register, its phases timed: open, transaction, close
        version = fake_version_manifest(m, parquet)
        urls = {c.key: str(parquet) for c in version.chunks}
        start = time.perf_counter()
        writer = connect(settings)
        con = writer.__enter__()
        t1 = time.perf_counter()
        try:
            assert register_version(con, m, version, f"{parquet.parent}/manifest.json", urls, "bench")
        except BaseException as error:
            writer.__exit__(type(error), error, error.__traceback__)
            raise
        t2 = time.perf_counter()
        writer.__exit__(None, None, None)
        end = time.perf_counter()
        whole.append((end - start) * 1000)
        opened.append((t1 - start) * 1000)
        work.append((t2 - t1) * 1000)
        closed.append((end - t2) * 1000)
    empty = []
    for _ in range(count):
        start = time.perf_counter()
        with connect(settings):
            pass
        empty.append((time.perf_counter() - start) * 1000)
    alone = []
    with connect(settings) as con:
        for m in manifests[count:]:
            version = fake_version_manifest(m, parquet)
            urls = {c.key: str(parquet) for c in version.chunks}
            start = time.perf_counter()
            assert register_version(con, m, version, f"{parquet.parent}/manifest.json", urls, "bench")
            alone.append((time.perf_counter() - start) * 1000)
    out = {f"register_{k}": v for k, v in _stats(whole).items()}
    for name, values in (("open", opened), ("work", work), ("close", closed), ("connection", empty)):
        out |= {f"{name}_{k}": v for k, v in _stats(values).items()}
    return out | {f"transaction_{k}": v for k, v in _stats(alone).items()}


def search_latency(settings: Any, rounds: int) -> dict[str, Any]:
    """``search_page`` in-process on one read-only connection: index path (warm) and SQL path; milliseconds."""
    from benchmarks.search import QUERIES, _latencies
    from catalog import search_index
    from catalog.db import connect
    from catalog.search import SearchQuery, search_page

    with connect(settings, read_only=True) as con:
        search_index.reset()
        start = time.perf_counter()
        search_index.build_index(con, search_index.catalog_token(con) or "")
        out: dict[str, Any] = {"index_build_s": round(time.perf_counter() - start, 2)}
        index = _stats(_latencies(con, search_page, rounds))
        out |= {"search_p50_ms": index["p50_ms"], "search_p95_ms": index["p95_ms"]}
        old = search_index.set_enabled(False)
        try:
            plain = _stats(_latencies(con, search_page, 2, warm=False))
            out |= {"sql_p50_ms": plain["p50_ms"], "sql_p95_ms": plain["p95_ms"]}
            found = [
                [r["id"] for r in search_page(con, SearchQuery(t, **f).validated())["results"]] for t, f in QUERIES
            ]
        finally:
            search_index.set_enabled(old)
            search_index.reset()
    out["results"] = found  # the ids each query found, in order: compared across backends
    return out


_SESSION = """
import json, sys, time
t0 = time.perf_counter()
import duckdb
from catalog.db import _config
t1 = time.perf_counter()
con = duckdb.connect(":memory:", config=_config())
t2 = time.perf_counter()
if sys.argv[1].startswith("postgresql://"):
    con.execute("LOAD postgres")
    t3 = time.perf_counter()
    con.execute("ATTACH '" + sys.argv[1] + "' AS c (TYPE postgres, READ_ONLY)")
else:
    t3 = time.perf_counter()
    con.execute("ATTACH '" + sys.argv[1] + "' AS c (READ_ONLY)")
t4 = time.perf_counter()
con.execute("SELECT count(*) FROM c.datasets").fetchone()
t5 = time.perf_counter()
again = duckdb.connect(":memory:", config=_config())
if sys.argv[1].startswith("postgresql://"):
    again.execute("LOAD postgres")
t6 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "session_s": t2 - t1, "load_s": t3 - t2, "attach_s": t4 - t3,
                  "first_query_s": t5 - t4, "second_session_s": t6 - t5}))
"""


def session_costs(target: str, runs: int) -> dict[str, float]:
    """Medians over ``runs`` fresh processes of: importing DuckDB, ``LOAD postgres``, ``ATTACH``, a first count,
    and a second session in the same process (with its ``LOAD postgres``)."""
    samples: dict[str, list[float]] = {}
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _SESSION, target], capture_output=True, text=True, check=True, cwd="/"
        ).stdout
        for key, value in json.loads(out).items():
            samples.setdefault(key, []).append(value)
    return {key: round(statistics.median(values), 3) for key, values in samples.items()}


def processes(envs: dict[str, dict[str, str]], runs: int, warm: bool = True) -> dict[str, dict[str, float]]:
    """Median and best wall seconds of ``kdata search`` and ``kdata sql`` per backend, interleaved (after one
    untimed run of each when ``warm``)."""
    from benchmarks.cli import _kdata_argv, _time

    commands = {"search": ["-m", "kdata", "search", QUERY], "sql": ["-m", "kdata", "sql", COUNT_SQL]}
    times: dict[str, dict[str, list[float]]] = {b: {c: [] for c in commands} for b in envs}
    for env in envs.values() if warm else ():  # untimed: bytecode, page cache, and a check that each command runs
        for args in commands.values():
            _time(_kdata_argv(args), env)
    for _ in range(runs):
        for name, args in commands.items():
            for backend, env in envs.items():
                times[backend][name].append(_time(_kdata_argv(args), env))
    return {
        backend: {
            f"{name}_{k}": round(f(values), 3)
            for name, values in by.items()
            for k, f in (("median_s", statistics.median), ("best_s", min))
        }
        for backend, by in times.items()
    }


def run(
    work: Path,
    size: int | None = None,
    registrations_n: int | None = None,
    rounds: int | None = None,
    runs: int | None = None,
    session_runs: int = 5,
    warm: bool = True,
) -> dict[str, Any]:
    """Build (or reuse) the embedded catalog, copy it into a fresh PostgreSQL database, time both."""
    from benchmarks.search import build_catalog
    from benchmarks.synthetic import tiny_parquet
    from catalog.db import snapshot_path

    size = size or int(os.environ.get("BENCH_SHARED_SIZE", "10000"))
    registrations_n = registrations_n or int(os.environ.get("BENCH_SHARED_REGISTRATIONS", "20"))
    rounds = rounds or int(os.environ.get("BENCH_SHARED_ROUNDS", "5"))
    runs = runs or int(os.environ.get("BENCH_SHARED_RUNS", "10"))
    work.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    build = build_catalog(work / f"catalog-{size}", size)
    home = Path(build["home"])
    result: dict[str, Any] = {
        "machine": machine(),
        "size": size,
        "registrations": registrations_n,
        "rounds": rounds,
        "runs": runs,
        "session_runs": session_runs,
        "build": {k: build.get(k) for k in ("registered", "register_s", "bulk_s", "catalog_mb", "reused")},
        "load_before": round(load_before, 2),
    }
    pg_home = work / "pg-home"  # the shared catalog's writer: an empty home each run
    empty_home = work / "pg-reader-home"  # its readers' (kdata search/sql): empty too
    emb_home = work / "embedded-home"  # a copy of the built catalog: registrations must not change the cached one
    for folder in (pg_home, empty_home, emb_home):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    shutil.copyfile(home / "catalog.duckdb", emb_home / "catalog.duckdb")
    with postgres_database() as url:
        result["fill"] = fill_postgres(home / "catalog.duckdb", url, pg_home)
        backends = {"embedded": _settings(emb_home, None), "shared": _settings(pg_home, url)}
        for backend, settings in backends.items():
            result[backend] = search_latency(settings, rounds)
        base_env = {**os.environ, "KDATA_USER": "bench", "COLUMNS": "100"}
        base_env.pop("KDATA_CATALOG", None)
        envs = {
            "embedded": {**base_env, "KDATA_HOME": str(emb_home)},
            "shared": {**base_env, "KDATA_HOME": str(empty_home), "KDATA_CATALOG": url},
        }
        for backend, figures in processes(envs, runs, warm).items():
            result[backend] |= figures
        result["embedded"]["session"] = session_costs(str(snapshot_path(backends["embedded"])), session_runs)
        result["shared"]["session"] = session_costs(url, session_runs)
        for backend, settings in backends.items():  # last: they add datasets (2 x registrations each)
            parquet = tiny_parquet(Path(settings.home) / "synthetic")
            result[backend] |= registrations(settings, size, registrations_n, parquet)
    result["load_after"] = round(os.getloadavg()[0], 2)
    result["total_s"] = round(time.perf_counter() - started, 1)
    result["ratios"] = {
        key: round(result["shared"][key] / result["embedded"][key], 2)
        for key in RATIO_KEYS
        if result["embedded"][key] > 0
    }
    emb, sh = result["embedded"], result["shared"]
    for key in RATIO_KEYS:
        print(f"shared_catalog {key:20} embedded {emb[key]:>9} shared {sh[key]:>9}", flush=True)
    return result


RATIO_KEYS = (
    "register_p50_ms",
    "register_p95_ms",
    "open_p50_ms",
    "work_p50_ms",
    "close_p50_ms",
    "connection_p50_ms",
    "transaction_p50_ms",
    "transaction_p95_ms",
    "search_p50_ms",
    "search_p95_ms",
    "sql_p50_ms",
    "sql_p95_ms",
    "search_median_s",
    "sql_median_s",
)


def _same(embedded: list[list[str]], shared: list[list[str]]) -> str:
    same = sum(1 for e, s in zip(embedded, shared, strict=True) if e == s)
    return (
        f"Search results (ids in order, SQL path) identical on both backends for {same} of {len(embedded)} "
        f"queries ({sum(len(e) for e in embedded)} results in all)."
    )


def section(result: dict[str, Any]) -> str:
    """The BENCHMARKS.md section."""
    emb, sh, ratio = result["embedded"], result["shared"], result["ratios"]

    def row(label: str, key: str, unit: str = "ms") -> str:
        return f"| {label} | {emb[key]:g} {unit} | {sh[key]:g} {unit} | {ratio.get(key, float('nan')):.2f}× |\n"

    n, rounds = result["registrations"], result["rounds"]
    build, fill = result["build"], result["fill"]
    es, ss = emb["session"], sh["session"]
    overhead = ss["load_s"] + ss["attach_s"] + ss["first_query_s"] - es["attach_s"] - es["first_query_s"]
    head = (
        "## Shared catalog (공유 카탈로그) beside the embedded one (`benchmarks/shared_catalog.py`)\n\n"
        f"The same {result['size']:,} synthetic datasets in the embedded DuckDB file and in PostgreSQL 15 "
        "(`KDATA_CATALOG`, read and written through DuckDB's postgres extension; same host, loopback TCP). "
        f"The embedded catalog is the search benchmark's ({build['registered']:,} datasets registered through "
        f"`register_version`, the rest bulk-loaded: {build['catalog_mb']} MB); PostgreSQL got the same rows by "
        "copy: a writer connection ran the PostgreSQL migrations, then one DuckDB session attached the file "
        "(read-only) and PostgreSQL and ran `INSERT INTO pg.T BY NAME SELECT * FROM file.T` for each of the "
        f"{len(COPIED_TABLES)} catalog tables ({fill['rows_copied']['search_postings']:,} search postings, "
        f"{fill['rows_copied']['audit_log']:,} audit rows; `audit_seq` moved past them), {fill['copy_s']} s, "
        f"database {fill['pg_mb']} MB. Load average {result['load_before']} before, {result['load_after']} "
        "after (2 cores).\n\n"
        "| what | embedded | shared (PostgreSQL) | shared / embedded |\n|---|---|---|---|\n"
        + row(f"registration, pipeline path (connect + `register_version` + close), median of {n}", "register_p50_ms")
        + row("registration, pipeline path, p95", "register_p95_ms")
        + row("… of which opening the writer connection (`connect`), median", "open_p50_ms")
        + row("… of which the `register_version` transaction, median", "work_p50_ms")
        + row("… of which closing the connection, median", "close_p50_ms")
        + row(f"writer connection that does nothing (open + close), median of {n}", "connection_p50_ms")
        + row(
            f"registration transaction in a warm session (one connection for all), median of {n}", "transaction_p50_ms"
        )
        + row("registration transaction in a warm session, p95", "transaction_p95_ms")
        + row(f"`search_page` in-process, index warm, median ({rounds} × 20 queries)", "search_p50_ms")
        + row("`search_page` in-process, index warm, p95", "search_p95_ms")
        + row("`search_page` in-process, SQL path (index off), median (2 × 20 queries)", "sql_p50_ms")
        + row("`search_page` in-process, SQL path, p95", "sql_p95_ms")
        + row(f"`kdata search {QUERY}` whole process, median of {result['runs']}", "search_median_s", "s")
        + row(f"`kdata sql '{COUNT_SQL}'` whole process, median of {result['runs']}", "sql_median_s", "s")
        + "\n"
        f"Best whole-process runs: `kdata search` {emb['search_best_s']} s embedded, {sh['search_best_s']} s "
        f"shared; `kdata sql` {emb['sql_best_s']} s / {sh['sql_best_s']} s. In-process index build (a reader's "
        f"second search of a catalog state): {emb['index_build_s']} s embedded, {sh['index_build_s']} s shared. "
        f"{_same(emb['results'], sh['results'])}\n\n"
    )
    where = (
        f"Where the time goes. A DuckDB session on the shared catalog (fresh processes, medians of "
        f"{result['session_runs']}): `LOAD postgres` {ss['load_s']:.3f} s, `ATTACH` {ss['attach_s']:.3f} s, first "
        f"`count(*)` {ss['first_query_s']:.3f} s; on the embedded snapshot `ATTACH` {es['attach_s']:.3f} s, first "
        f"`count(*)` {es['first_query_s']:.3f} s. That is {overhead:.2f} s more per session, "
        f"{ss['load_s'] / overhead:.0%} of it loading the extension"
        if overhead > 0
        else "Where the time goes: see the session figures in the JSON"
    )
    whole = (
        f"; every `kdata` command opens one session, and the whole-process gaps are "
        f"{sh['search_median_s'] - emb['search_median_s']:+.2f} s (`kdata search`) and "
        f"{sh['sql_median_s'] - emb['sql_median_s']:+.2f} s (`kdata sql`). A registration on the pipeline path, "
        f"by phase (medians, embedded / shared): opening {emb['open_p50_ms']:g} / {sh['open_p50_ms']:g} ms, the "
        f"transaction {emb['work_p50_ms']:g} / {sh['work_p50_ms']:g} ms, closing {emb['close_p50_ms']:g} / "
        f"{sh['close_p50_ms']:g} ms. Closing the embedded writer checkpoints the transaction's changes and copies "
        f"the whole catalog file ({build['catalog_mb']} MB here) into the readers' snapshot (a cost that grows with "
        "the file; compare the row of a connection that changed nothing). Opening the shared writer attaches "
        f"PostgreSQL and checks its migrations after loading the extension: `LOAD postgres` took "
        f"{ss['load_s']:.3f} s in a fresh process and {ss['second_session_s']:.3f} s for a second session in the "
        "same process (these 20 registrations run in one process, an Airflow task's in a fresh one). The same "
        f"transaction in a warm session (one connection for all 20) took {emb['transaction_p50_ms']:g} ms "
        f"embedded, {sh['transaction_p50_ms']:g} ms shared. "
        "The shared transaction "
        "sends its statements one by one to PostgreSQL (a round trip each through the extension) where the "
        "embedded file runs them in-process. In-process search with a warm index reads PostgreSQL only for the "
        "catalog token (one small query per search); the SQL path (what a one-shot `kdata search` runs) reads "
        f"postings and dataset rows from PostgreSQL through the extension on every query, {ratio['sql_p50_ms']:.0f}× "
        "the embedded SQL path's median here: most of the `kdata search` gap.\n\n"
    )
    return (
        head
        + where
        + whole
        + f"Reproduce: `.venv/bin/python -m benchmarks shared_catalog` (`BENCH_SHARED_SIZE={result['size']}`, "
        f"`BENCH_SHARED_REGISTRATIONS={n}`, `BENCH_SHARED_ROUNDS={rounds}`, `BENCH_SHARED_RUNS={result['runs']}`, "
        "`BENCH_POSTGRES` = the server's admin URL; a database `kdata_bench_<hex>` is created and dropped). "
        f"This run took {result['total_s']:.0f} s"
        + (" (embedded catalog reused from `BENCH_WORK`)" if build.get("reused") else "")
        + ".\n"
    )
