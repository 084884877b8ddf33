"""The third attack trial's findings, each as the attacker's steps: an uploader's crafted dataset aiming
outside its own dataset, a downloader's planted files, personal data where no column reads it.

Cast as in ``test_access_attacks.py``: ``uploader-lee`` and ``uploader-park`` ingest; ``tester`` is an admin.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.hostile.test_access_attacks import DATASET, kdata
from tests.quality._support import _rewrite_zip, label_archive

pytestmark = pytest.mark.integration


def _files(root: Path) -> dict[str, str]:
    """Every dataset file of a store by its sha256 (the catalog's own files, ``_catalog/``, change with roles)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file() and p.relative_to(root).parts[0] != "_catalog"
    }


@pytest.mark.parametrize("split", ["../../korean-sns-dialogue/1.0/train", "{outside}", "/tmp/abs", "Train"])
def test_a_split_name_cannot_reach_another_dataset_or_leave_the_store(
    split: str, kdata_home: Path, sample_factory: Any, tmp_path: Path
) -> None:
    """``layout.rules[].split`` named chunk folders and store keys as written: ``../../<victim>/1.0/train``
    replaced another dataset's published chunk (its views served the attacker's rows), ``../../../tmp/x``
    wrote outside KDATA_HOME and the stale-chunk clean-up deleted ``part-*`` files there. A split is one plain
    word now, refused with the manifest (exit 2), before anything is written."""
    victim = sample_factory(items=12, copy_to=tmp_path / "victim")
    assert kdata("uploader-lee", "ingest", str(victim), "--json").exit_code == 0
    store_before = _files(kdata_home / "store")
    assert kdata("tester", "role", "grant", "uploader-park", "uploader").exit_code == 0
    attacker = sample_factory(items=12, seed=2, copy_to=tmp_path / "attacker")
    manifest_path = attacker / "dataset.yaml"
    manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
    manifest["id"] = "evil-split"
    outside = tmp_path / "outside"  # beyond KDATA_HOME, reached by enough ../
    split = split.format(outside="../" * 30 + str(outside).lstrip("/"))
    manifest["layout"] = {"rules": [{"match": "**/*Training*/**", "split": split}]}
    manifest_path.write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    outside.mkdir()
    planted = outside / "part-000-keepme.txt"  # what the stale-chunk clean-up deleted
    planted.write_text("keep me", encoding="utf-8")
    result = kdata("uploader-park", "ingest", str(attacker), "--json")
    assert result.exit_code == 2, result.output
    assert "split" in result.output and "dataset.yaml" in result.output
    assert [p.name for p in outside.iterdir()] == ["part-000-keepme.txt"]
    assert planted.read_text(encoding="utf-8") == "keep me"
    assert _files(kdata_home / "store") == store_before
    assert not (kdata_home / "store" / "evil-split").exists()
    assert DATASET in kdata("tester", "search", "--json").stdout


def test_personal_data_in_a_label_file_name_is_refused_under_block(
    kdata_home: Path, sample_factory: Any, tmp_path: Path
) -> None:
    """Attack trial: ``홍길동_900101-1234567_010-2345-6789.json`` as a label member of a built-in dataset was
    published (``label_member`` and the manifest's zone maps held it) with ``pii_hits`` 0: provenance was
    never scanned. Now the run is refused, and the report shows the name masked only."""
    dataset = sample_factory(items=12, copy_to=tmp_path / "named")

    def rename(members: dict[str, bytes]) -> None:
        first = sorted(n for n in members if n.endswith(".json"))[0]
        folder = first.rsplit("/", 1)[0] + "/" if "/" in first else ""
        members[f"{folder}홍길동_900101-1234567_010-2345-6789.json"] = members.pop(first)

    _rewrite_zip(label_archive(dataset), rename)
    result = kdata("uploader-lee", "ingest", str(dataset), "--json")
    assert result.exit_code == 3, result.output
    assert json.loads(result.stdout)["status"] == "quality_failed" and "pii_free" in result.stdout
    assert "900101-1234567" not in result.output and "2345-6789" not in result.output
    assert not (kdata_home / "store" / DATASET).exists()
