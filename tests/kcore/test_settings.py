"""``load_settings`` reads every KDATA_* variable once, checks it with a message naming it, and the settings
travel to other processes as JSON unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kcore.config import Settings, load_settings
from kcore.errors import BadInput
from kcore.limits import DEFAULT_LIMITS, SqlLimits

EVERYTHING = {
    "KDATA_HOME": "/tmp/kdata-settings-test",
    "KDATA_MAX_MEMBERS": "50",
    "KDATA_MAX_RATIO": "12.5",
    "KDATA_ALLOW_NESTED_ARCHIVES": "1",
    "KDATA_SQL_TIMEOUT_S": "5",
    "KDATA_SQL_MEMORY": "32MB",
    "KDATA_QUALITY_BATCH_ROWS": "1_000",
    "KDATA_ADMINS": "kim, lee,,",
    "KDATA_AUDIT_KEY": "secret-key",
    "KDATA_WEB_HOSTS": "kdata.example, localhost",
    "KDATA_LANDING": "s3://bucket/landing",
    "KDATA_GX_WORKER": " OFF ",
    "KDATA_GX_WORKER_IDLE_S": "30",
    "KDATA_RETRY_DELAY": "1",
    "KDATA_WORKER_NAME": "worker-2",
}


def test_every_variable_reaches_its_field_and_survives_json() -> None:
    settings = load_settings(EVERYTHING)
    assert (settings.limits.max_members, settings.limits.max_ratio, settings.limits.allow_nested_archives) == (
        50,
        12.5,
        True,
    )
    assert settings.sql == SqlLimits(5.0, "32MB")
    assert settings.quality_batch_rows == 1000
    assert settings.admins == frozenset({"kim", "lee"})
    assert settings.audit_key == "secret-key" and "secret-key" not in repr(settings)
    assert settings.web_hosts == ("kdata.example", "localhost")
    assert (settings.landing, settings.gx_worker, settings.gx_worker_idle_s) == ("s3://bucket/landing", "off", 30.0)
    assert (settings.retry_delay, settings.worker_name) == (1.0, "worker-2")
    again = Settings.from_json(json.loads(json.dumps(settings.to_json())))
    assert again == settings


def test_the_defaults() -> None:
    settings = load_settings({"KDATA_HOME": "/tmp/kdata-settings-test"})
    assert settings.limits == DEFAULT_LIMITS and settings.sql == SqlLimits()
    assert (settings.quality_batch_rows, settings.admins, settings.audit_key, settings.web_hosts) == (
        None,
        frozenset(),
        "",
        (),
    )
    assert (settings.landing, settings.gx_worker, settings.gx_worker_idle_s, settings.retry_delay) == (
        None,
        "warm",
        600.0,
        20.0,
    )
    assert Settings.from_json(settings.to_json()) == settings


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("KDATA_MAX_MEMBERS", "many", "KDATA_MAX_MEMBERS='many': expected a number"),
        ("KDATA_MAX_ITEM_BYTES", "0", "KDATA_MAX_ITEM_BYTES: must be positive"),
        ("KDATA_SQL_TIMEOUT_S", "soon", "KDATA_SQL_TIMEOUT_S='soon': expected seconds"),
        ("KDATA_SQL_TIMEOUT_S", "7200", "KDATA_SQL_TIMEOUT_S='7200': expected 0 < seconds <= 3600"),
        ("KDATA_SQL_MEMORY", "lots", "KDATA_SQL_MEMORY='lots': expected a size such as 512MB or 1GB"),
        ("KDATA_QUALITY_BATCH_ROWS", "0", "KDATA_QUALITY_BATCH_ROWS='0': expected an integer >= 1"),
        ("KDATA_RETRY_DELAY", "-1", "KDATA_RETRY_DELAY='-1': expected seconds >= 0"),
    ],
)
def test_a_bad_value_names_its_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(BadInput, match=message.replace("(", r"\(").replace(")", r"\)")) as raised:
        load_settings({"KDATA_HOME": "/tmp/kdata-settings-test", name: value})
    assert raised.value.exit_code == 2


def test_the_dag_file_reads_only_the_retry_delay() -> None:
    from kcore.config import retry_delay_seconds

    assert retry_delay_seconds({}) == 20.0
    assert retry_delay_seconds({"KDATA_RETRY_DELAY": "1", "KDATA_CHUNK_BYTES": "nonsense"}) == 1.0  # others unread
    with pytest.raises(BadInput, match="KDATA_RETRY_DELAY"):
        retry_delay_seconds({"KDATA_RETRY_DELAY": "-3"})


def test_the_home_and_what_kdata_writes_are_closed_to_other_users(tmp_path: Path) -> None:
    """An attack trial read restricted rows and every approval as another local user: chunks and catalog
    were 0644 in a 0755 home. A kdata process keeps its home 0700 and writes files only its owner reads."""
    import os
    import subprocess
    import sys

    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    code = (
        "import os; from pathlib import Path; from kcore.config import load_settings\n"
        "s = load_settings(); (s.home / 'catalog.duckdb').write_bytes(b'x'); (s.home / 'store').mkdir()\n"
    )
    env = {**os.environ, "KDATA_HOME": str(home)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=Path(__file__).resolve().parents[2])
    assert home.stat().st_mode & 0o777 == 0o700
    assert (home / "catalog.duckdb").stat().st_mode & 0o077 == 0
    assert (home / "store").stat().st_mode & 0o077 == 0
