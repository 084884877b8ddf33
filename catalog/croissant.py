"""Croissant 1.0 JSON-LD for a published version (``kdata export croissant ID``).

- ``distribution``: one ``cr:FileObject`` per Parquet chunk (``contentUrl`` as the catalog knows it, a
  local path or ``s3://`` URI, ``contentSize``, ``sha256``, ``encodingFormat: application/x-parquet``)
  and one ``cr:FileSet`` per split whose ``includes`` glob is relative to the version folder (the
  folder of the version's ``manifest.json``): save the document there, as ``croissant.json``, and
  ``mlcroissant.Dataset(jsonld=...)`` reads the records straight from the store.
- ``recordSet``: one per split, derived from the domain's record schema (:mod:`schemas.records`):
  strings → ``sc:Text``, integers → ``sc:Integer``, floats → ``sc:Float``, booleans → ``sc:Boolean``,
  timestamps → ``sc:DateTime``, bytes (or HF-style ``{bytes, path}`` structs) → ``sc:ImageObject`` /
  ``sc:AudioObject`` / ``sc:VideoObject``, lists → ``repeated`` fields, structs → ``subField``.
- Licence, creators (``source.builders``), publisher, version, keywords, ``citeAs`` (attribution),
  ``conditionsOfAccess`` (licence status and terms) and RAI fields where known
  (``rai:dataCollection``, ``rai:dataAnnotationProtocol``, ``rai:personalSensitiveInformation`` from the
  PII policy, ``rai:dataReleaseMaintenancePlan``).
"""

from __future__ import annotations

import posixpath
from typing import Any

import duckdb
import pyarrow as pa

from catalog.search import DATA_TYPE_LABELS, LICENSE_STATUS_LABELS
from kcore.errors import BadInput
from schemas.domains import DOMAINS
from schemas.records import RecordSchema, get_record_schema

__all__ = ["CONTEXT", "PARQUET", "croissant", "field_for", "load_version", "record_sets"]

PARQUET = "application/x-parquet"

CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
"""The standard Croissant 1.0 ``@context`` (as mlcroissant writes it)."""

_MEDIA = {"image": "sc:ImageObject", "audio": "sc:AudioObject", "video": "sc:VideoObject"}

_PII = {
    "block": (
        "개인정보(주민등록번호, 전화번호 등)는 수집 단계에서 검사하며, 발견되면 해당 버전은 게시되지 않습니다. "
        "Personal data (resident registration numbers, phone numbers, ...) is checked at ingest; "
        "a version in which any is found is not published (policy: block)."
    ),
    "mask": (
        "개인정보는 수집 단계에서 검사하여 마스킹하고 건수를 품질 보고서에 기록합니다. "
        "Personal data is checked at ingest, masked, and counted in the quality report (policy: mask)."
    ),
}


def _semver(version: str) -> str:
    parts = version.split(".")
    return ".".join(parts + ["0"] * (3 - len(parts)))


def _media(column: str, data_type: str) -> str:
    for word, media in _MEDIA.items():
        if word in column:
            return media
    return _MEDIA.get(data_type, "sc:Text")


def _scalar(t: pa.DataType) -> str:
    if pa.types.is_boolean(t):
        return "sc:Boolean"
    if pa.types.is_integer(t):
        return "sc:Integer"
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "sc:Float"
    if pa.types.is_timestamp(t):
        return "sc:DateTime"
    if pa.types.is_date(t):
        return "sc:Date"
    return "sc:Text"


def _is_media_struct(t: pa.DataType) -> bool:
    return pa.types.is_struct(t) and any(
        t.field(i).name == "bytes" and pa.types.is_binary(t.field(i).type) for i in range(t.num_fields)
    )


def _is_list(t: pa.DataType) -> bool:
    return bool(pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t))


def field_for(
    prefix: str, name: str, t: pa.DataType, source: dict[str, Any], data_type: str, json_path: str | None = None
) -> dict[str, Any]:
    """One ``cr:Field`` for an Arrow type (recursing into lists and structs)."""
    field: dict[str, Any] = {"@type": "cr:Field", "@id": f"{prefix}/{name}", "name": name}
    if _is_list(t):
        field["repeated"] = True
        t = t.value_type
        while _is_list(t):  # lists of lists (polygons): the innermost values, flattened in meaning
            t = t.value_type
    src = {**source, "transform": {"jsonPath": json_path}} if json_path else dict(source)
    if _is_media_struct(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t):
        field["dataType"] = _media(name, data_type)
        if _is_media_struct(t):
            src = {**source, "transform": {"jsonPath": f"{json_path}.bytes" if json_path else "bytes"}}
        field["source"] = src
    elif pa.types.is_struct(t):
        field["subField"] = [
            field_for(field["@id"], t.field(i).name, t.field(i).type, source, data_type, _path(json_path, t, i, field))
            for i in range(t.num_fields)
        ]
    else:
        field["dataType"] = _scalar(t)
        field["source"] = src
    return field


def _path(parent: str | None, t: pa.DataType, index: int, field: dict[str, Any]) -> str:
    name = t.field(index).name
    return name if parent is None else f"{parent}.{name}"


def record_sets(schema: RecordSchema, file_sets: dict[str, str], data_type: str) -> list[dict[str, Any]]:
    """One record set per split (``@id`` = split name) with every column of the record schema."""
    docs = {c.name: c for c in schema.columns}
    out = []
    for split, file_set in sorted(file_sets.items()):
        fields = []
        for column in schema.columns:
            source = {"fileSet": {"@id": file_set}, "extract": {"column": column.name}}
            field = field_for(split, column.name, column.type, source, data_type)
            field["description"] = f"{docs[column.name].doc_ko} ({docs[column.name].doc_en})"
            fields.append(field)
        out.append(
            {
                "@type": "cr:RecordSet",
                "@id": split,
                "name": split,
                "description": f"{schema.doc_ko} ({schema.doc_en}) — {split}",
                "key": {"@id": f"{split}/{schema.id_column}"},
                "field": fields,
            }
        )
    return out


def _distribution(chunks: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    files: list[dict[str, Any]] = []
    folders: dict[str, set[str]] = {}
    for chunk in chunks:
        files.append(
            {
                "@type": "cr:FileObject",
                "@id": f"chunk/{chunk['key']}",
                "name": chunk["key"],
                "contentUrl": chunk["content_url"],
                "contentSize": f"{chunk['content_size']} B",
                "sha256": chunk["sha256"],
                "encodingFormat": PARQUET,
            }
        )
        folders.setdefault(chunk["split"], set()).add(posixpath.dirname(chunk["key"]))
    file_sets: dict[str, str] = {}
    for split, dirs in sorted(folders.items()):
        file_sets[split] = f"{split}-chunks"
        files.append(
            {
                "@type": "cr:FileSet",
                "@id": file_sets[split],
                "name": f"{split}-chunks",
                "description": f"Parquet chunks of split {split}; globs are relative to the version folder.",
                "encodingFormat": PARQUET,
                "includes": [posixpath.join(d, "*.parquet") if d else "*.parquet" for d in sorted(dirs)],
            }
        )
    return files, file_sets


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> dict[str, Any] | None:
    cur = con.execute(sql, params)
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cur.description or []], row, strict=True))


def _all(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def load_version(
    con: duckdb.DuckDBPyConnection, dataset_id: str, version: str | None
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """Dataset row, licence row, version row and chunks; :class:`BadInput` when unknown."""
    dataset = _one(con, "SELECT * EXCLUDE (search_terms) FROM datasets WHERE id = ?", [dataset_id])
    if dataset is None or dataset["latest_version"] is None:
        raise BadInput(f"unknown dataset {dataset_id!r} (kdata search lists them)")
    version = version or dataset["latest_version"]
    row = _one(con, "SELECT * FROM versions WHERE dataset_id = ? AND version = ?", [dataset_id, version])
    if row is None:
        raise BadInput(f"{dataset_id}: no published version {version!r}")
    license = _one(con, "SELECT * FROM licenses WHERE dataset_id = ?", [dataset_id]) or {}
    chunks = _all(
        con, "SELECT * FROM chunks WHERE dataset_id = ? AND version = ? ORDER BY split, key", [dataset_id, version]
    )
    return dataset, license, row, chunks


def _conditions(license: dict[str, Any]) -> str:
    status = str(license.get("status", ""))
    parts = [f"이용 상태 licence status: {LICENSE_STATUS_LABELS.get(status, status)} ({status})"]
    parts.append(
        "결과물 상업적 이용 "
        + (
            "가능 commercial use of results allowed"
            if license.get("commercial_use")
            else "불가 no commercial use of results"
        )
    )
    parts.append("변경 " + ("가능 modification allowed" if license.get("modification") else "불가 no modification"))
    parts.append(
        "재배포 " + ("가능 redistribution allowed" if license.get("redistribution") else "불가 no redistribution")
    )
    if license.get("domestic_only"):
        parts.append("내국인만 데이터 신청이 가능합니다 (domestic users only)")
    if status in ("approval_required", "restricted"):
        parts.append("이용 신청 승인 필요 (an approved application is required)")
    return "; ".join(parts)


def _rai(dataset: dict[str, Any]) -> dict[str, Any]:
    rai: dict[str, Any] = {}
    if dataset.get("collection_ko") or dataset.get("collection_en"):
        rai["rai:dataCollection"] = " / ".join(
            x for x in (dataset.get("collection_ko"), dataset.get("collection_en")) if x
        )
    if dataset.get("labeling_type_ko"):
        rai["rai:dataAnnotationProtocol"] = (
            f"라벨링 유형 {dataset['labeling_type_ko']} ({dataset.get('labeling_type_en') or ''}); "
            f"라벨링 형식 format {dataset.get('labeling_format') or ''}"
        )
    if dataset.get("pii_policy") in _PII:
        rai["rai:personalSensitiveInformation"] = _PII[dataset["pii_policy"]]
    rai["rai:dataReleaseMaintenancePlan"] = (
        "게시된 버전은 변경되지 않으며 새 버전으로 갱신됩니다; 이용 상태 변경은 감사 기록에 남습니다. "
        "Published versions are immutable (content sha256 per chunk); updates come as new versions; licence "
        "status changes are kept in the catalog's audit log."
    )
    return rai


def croissant(con: duckdb.DuckDBPyConnection, dataset_id: str, version: str | None = None) -> dict[str, Any]:
    """The Croissant JSON-LD of a published version (default: the latest)."""
    dataset, license, row, chunks = load_version(con, dataset_id, version)
    from catalog.register import stored_record_schema

    schema = stored_record_schema(con, dataset["record_schema"]) or get_record_schema(dataset["record_schema"])
    distribution, file_sets = _distribution(chunks)
    domain = DOMAINS[dataset["domain"]]
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "name": dataset["id"],
        "alternateName": [dataset["name_ko"], dataset["name_en"]],
        "description": f"{dataset['description_ko']}\n\n{dataset['description_en']}",
        "url": dataset.get("source_url") or f"urn:kdata:{dataset['id']}",
        "version": _semver(row["version"]),
        "license": license.get("url") or license.get("license_id") or "",
        "citeAs": license.get("attribution") or dataset["publisher"],
        "creator": [{"@type": "sc:Organization", "name": name} for name in dataset.get("creators") or []],
        "publisher": {"@type": "sc:Organization", "name": dataset["publisher"]},
        "keywords": [
            *(dataset.get("keywords") or []),
            domain.name_ko,
            domain.name_en,
            DATA_TYPE_LABELS.get(dataset["data_type"], dataset["data_type"]),
            dataset["data_type"],
        ],
        "conditionsOfAccess": _conditions(license),
        "isLiveDataset": False,
        "distribution": distribution,
        "recordSet": record_sets(schema, file_sets, dataset["data_type"]),
    }
    if dataset.get("source_url"):
        doc["publisher"]["url"] = dataset["source_url"]
    if row.get("date_published"):
        doc["datePublished"] = row["date_published"]
    if dataset.get("date_modified"):
        doc["dateModified"] = dataset["date_modified"]
    if dataset.get("encoding_formats"):
        doc["encodingFormat"] = dataset["encoding_formats"]
    doc.update(_rai(dataset))
    return doc
