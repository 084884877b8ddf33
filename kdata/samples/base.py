"""The frame every non-dialogue sample generator shares: items → groups → archives in a layout.

A :class:`SampleKind` says how to make one labelled item (its label, its source file) and how to
plant each fault it supports; :func:`write_kind` does the rest the same way for every kind:
80/20 Training/Validation split, items spread over the kind's archive groups, one fault planted in
the first Training group, deterministic bytes for the same arguments.

Faults (``inject=``), where the kind supports them:

- ``missing-source``: one label's source file is left out;
- ``orphan-source``: one extra source file that no label points to;
- ``duplicate-id``: a second label re-uses the id of another (its own source is left out);
- ``bad-json``: the first label member is cut off mid-document;
- ``bbox-outside``: one box reaches past the image's right edge;
- ``pii``: a resident registration number and a mobile number in the item's text.
"""

from __future__ import annotations

import json
import random
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from kdata.samples.layout import (
    ArchiveOptions,
    GroupFiles,
    SampleError,
    check_layout,
    check_out_dir,
    typo_group,
    validate_manifest,
    validation_count,
    write_group_streamed,
    write_groups,
    write_manifest,
)

__all__ = ["PII_PHONE", "PII_RRN", "Item", "SampleKind", "license", "make_manifest", "write_kind"]

PII_RRN = "900101-1234568"
"""The resident registration number planted by the ``pii`` fault (valid checksum)."""

PII_PHONE = "010-1234-5678"
"""The mobile number planted by the ``pii`` fault."""


@dataclass
class Item:
    """One labelled item: its label (a JSON document or text) and its source file."""

    id: str
    split: int
    group: int  # index into the kind's groups
    label_name: str
    label: Any
    source_name: str | None
    source: bytes | None
    extra: dict[str, Any] = field(default_factory=dict)  # generator state the fault hooks need


def license(status: str = "approval_required") -> dict[str, Any]:
    """The standard AI Hub terms."""
    return {
        "id": "aihub-standard",
        "name": "AI Hub 이용약관",
        "status": status,
        "commercial_use": True,
        "modification": True,
        "domestic_only": True,
        "redistribution": False,
    }


def make_manifest(
    dataset_id: str,
    version: str,
    items: int,
    *,
    domain: str,
    data_type: str,
    record_schema: str | None,
    title: tuple[str, str],
    description: tuple[str, str],
    formats: list[str],
    keywords: list[str],
    labeling: tuple[str, str, str],
    unit: tuple[str, str],
    collection: tuple[str, str],
) -> dict[str, Any]:
    """A ``dataset.yaml`` with the dataset-page fields every sample carries."""
    return {
        "id": dataset_id,
        "title": {"ko": title[0], "en": title[1]},
        "description": {"ko": description[0], "en": description[1]},
        "domain": domain,
        "data_type": data_type,
        **({"record_schema": record_schema} if record_schema else {}),  # else the kind adds labels:
        "build_year": 2024,
        "version": version,
        "version_note": "최초 개방 (initial release)",
        "updated": "2024-10",
        "source": {"name": "한국지능정보사회진흥원 (NIA)", "url": "https://aihub.or.kr"},
        "formats": formats,
        "keywords": keywords,
        "license": license(),
        "quality": {"syntactic_validity": 0.995, "pii_policy": "block"},
        "release_status": "open",
        "release_date": "2024-10-30",
        "labeling": {"type": {"ko": labeling[0], "en": labeling[1]}, "format": labeling[2]},
        "counts": {"raw": items, "source": items, "label": items, "unit": {"ko": unit[0], "en": unit[1]}},
        "collection": {"ko": collection[0], "en": collection[1]},
    }


class SampleKind(ABC):
    """One kind of sample dataset (a record schema and its label shape)."""

    name: str
    dataset_id: str
    groups: tuple[tuple[int, str], ...]  # (archive number, group name)
    faults: tuple[str, ...]
    container_key: str | None = None  # list-shaped label files: the list's key
    per_file: int = 1  # items per label file (list-shaped kinds)

    @abstractmethod
    def manifest(self, dataset_id: str, version: str, items: int) -> dict[str, Any]:
        """The ``dataset.yaml`` content."""

    @abstractmethod
    def make_item(self, rng: random.Random, number: int, split: int, group: int) -> Item:
        """Item ``number`` (1-based over Training then Validation) of ``group``."""

    def container(self, group: int, items: list[Item]) -> dict[str, Any]:
        """The document of a list-shaped label file holding ``items``."""
        return {"numberOfItems": len(items), self.container_key or "data": [i.label for i in items]}

    def container_name(self, group: int, n: int) -> str:
        return f"{self.groups[group][1]}/{self.name}_{n:04d}.json"

    def set_id(self, item: Item, new_id: str) -> None:
        """Make ``item`` carry ``new_id`` (``duplicate-id``)."""
        raise NotImplementedError

    def put_bbox_outside(self, item: Item, rng: random.Random) -> None:
        raise NotImplementedError

    def put_pii(self, item: Item, rng: random.Random) -> None:
        raise NotImplementedError

    def can_fault(self, fault: str, item: Item) -> bool:
        """Whether ``item`` can carry ``fault`` (e.g. it has a box to move)."""
        return True


def _check(kind: SampleKind, out: Path, items: int, layout: str, inject: str | None) -> None:
    check_layout(layout)
    if inject is not None and inject not in kind.faults:
        raise SampleError(f"fault {inject!r} does not apply to {kind.name}; choose one of {', '.join(kind.faults)}")
    if isinstance(items, bool) or not isinstance(items, int) or items < 1:
        raise SampleError(f"items must be an integer >= 1, got {items!r}")
    if inject == "duplicate-id" and items - validation_count(items) < 2:
        raise SampleError("inject='duplicate-id' needs at least 2 Training items (items >= 3)")
    check_out_dir(out)


def _build(kind: SampleKind, items: int, seed: int) -> list[Item]:
    rng = random.Random(f"{kind.name}:{seed}")
    n_val = validation_count(items)
    built: list[Item] = []
    number = 0
    for split, count in enumerate((items - n_val, n_val)):
        for j in range(count):
            number += 1
            built.append(kind.make_item(rng, number, split, j * len(kind.groups) // count))
    return built


def _inject(kind: SampleKind, fault: str | None, items: list[Item], seed: int) -> Item | None:
    """Plant ``fault``; returns the item whose label file is to be cut (``bad-json``)."""
    if fault is None:
        return None
    rng = random.Random(f"kdata-fault:{seed}")
    first = [i for i in items if i.split == 0 and i.group == 0] or [i for i in items if i.split == 0]
    pool = first[: kind.per_file] if kind.container_key else first
    candidates = [i for i in pool if kind.can_fault(fault, i)] or [
        i for i in items if i.split == 0 and kind.can_fault(fault, i)
    ]
    if not candidates:
        raise SampleError(f"no item can carry {fault!r}: generate more items")
    target = rng.choice(candidates)
    if fault == "missing-source":
        target.source = None
    elif fault == "orphan-source" and target.source_name:
        path = PurePosixPath(target.source_name)
        target.extra["orphan"] = (str(path.with_name(f"{path.stem}_unlabelled{path.suffix}")), target.source)
    elif fault == "duplicate-id":
        training = [i for i in items if i.split == 0]
        original = training[0]
        copy = rng.choice(training[1:])
        kind.set_id(copy, original.id)
        copy.source = None
    elif fault == "bbox-outside":
        kind.put_bbox_outside(target, rng)
    elif fault == "pii":
        kind.put_pii(target, rng)
    elif fault == "bad-json":
        return min(first, key=lambda i: i.label_name)
    return None


def _dump(label: Any) -> str:
    return label if isinstance(label, str) else json.dumps(label, ensure_ascii=False, indent=2)


def _groups(kind: SampleKind, items: list[Item], cut: Item | None) -> list[GroupFiles]:
    files: list[GroupFiles] = []
    for split in (0, 1):
        for index, (number, name) in enumerate(kind.groups):
            members = [i for i in items if i.split == split and i.group == index]
            if not members:
                continue
            group = GroupFiles(split, number, name)
            if kind.container_key:
                for n, start in enumerate(range(0, len(members), kind.per_file), 1):
                    chunk = members[start : start + kind.per_file]
                    group.labels[kind.container_name(index, n)] = _dump(kind.container(index, chunk))
            else:
                group.labels = {i.label_name: _dump(i.label) for i in members}
            group.sources = {i.source_name: i.source for i in members if i.source is not None and i.source_name}
            for item in members:
                if "orphan" in item.extra:
                    orphan_name, orphan_bytes = item.extra["orphan"]
                    group.sources[orphan_name] = orphan_bytes
            if cut is not None and split == 0 and index == cut.group:
                first = min(group.labels)
                text = group.labels[first]
                group.labels[first] = text[: len(text) // 2]
                cut = None
            files.append(group)
    return files


def write_kind(
    kind: SampleKind,
    out: Path,
    *,
    items: int,
    seed: int = 0,
    layout: str = "classic",
    inject: str | None = None,
    dataset_id: str | None = None,
    version: str = "1.0",
    options: ArchiveOptions | None = None,
) -> Path:
    """Write a dataset folder of ``kind`` into ``out`` (created; must be empty or absent).

    Raises :class:`SampleError` for bad arguments, before anything is written.
    """
    out = Path(out)
    _check(kind, out, items, layout, inject)
    manifest = kind.manifest(dataset_id or kind.dataset_id, version, items)
    validate_manifest(out, manifest)
    if inject is None:  # nothing to plant: made and written item by item (a million items fit)
        write_manifest(out, manifest)
        _write_streamed(kind, out, items, seed, layout, options or ArchiveOptions())
        return out
    built = _build(kind, items, seed)
    cut = _inject(kind, inject, built, seed)
    write_manifest(out, manifest)
    write_groups(out, _groups(kind, built, cut), layout, options or ArchiveOptions())
    return out


def _plan(kind: SampleKind, items: int) -> list[tuple[int, int, int]]:
    """``(split, group, items)`` of every non-empty group, in the order :func:`_build` makes them."""
    n_val = validation_count(items)
    plan: list[tuple[int, int, int]] = []
    for split, count in enumerate((items - n_val, n_val)):
        per_group = [0] * len(kind.groups)
        for j in range(count):
            per_group[j * len(kind.groups) // count] += 1
        plan.extend((split, group, n) for group, n in enumerate(per_group) if n)
    return plan


def _members(
    kind: SampleKind, rng: random.Random, first: int, split: int, group: int, count: int
) -> Iterator[tuple[bool, str, str | bytes]]:
    """``(is_label, name, content)`` of the ``count`` items numbered from ``first`` of one group."""
    chunk: list[Item] = []
    files = 0
    for number in range(first, first + count):
        item = kind.make_item(rng, number, split, group)
        if kind.container_key:
            chunk.append(item)
            if len(chunk) == kind.per_file:
                files += 1
                yield True, kind.container_name(group, files), _dump(kind.container(group, chunk))
                chunk = []
        else:
            yield True, item.label_name, _dump(item.label)
        if item.source is not None and item.source_name:
            yield False, item.source_name, item.source
    if chunk:
        yield True, kind.container_name(group, files + 1), _dump(kind.container(group, chunk))


def _write_streamed(kind: SampleKind, out: Path, items: int, seed: int, layout: str, options: ArchiveOptions) -> None:
    """What :func:`_groups` + ``write_groups`` write for a dataset without a fault, one item at a time."""
    rng = random.Random(f"{kind.name}:{seed}")
    plan = _plan(kind, items)
    typo = typo_group([(split, kind.groups[group][0]) for split, group, _ in plan]) if options.typo else -1
    first = 1
    for index, (split, group, count) in enumerate(plan):
        number, name = kind.groups[group]
        members = _members(kind, rng, first, split, group, count)
        write_group_streamed(out, GroupFiles(split, number, name), members, layout, options, typo=index == typo)
        first += count
