"""DCAT-AP style JSON-LD for national portals (공공데이터포털, 통합데이터지도): ``kdata export dcat ID``.

One ``dcat:Dataset`` with Korean and English titles and descriptions (language-tagged), keywords,
the roadmap domain as ``dcat:theme``, publisher and creators, issued/modified dates, version and
change note, licence and access rights, and one ``dcat:Distribution`` per split of the version
(Parquet, byte size, row count, and the chunks with their sha256 as ``spdx:checksum``).
"""

from __future__ import annotations

from typing import Any

import duckdb

from catalog.croissant import PARQUET, load_version
from catalog.search import LICENSE_STATUS_LABELS
from schemas.domains import DOMAINS

__all__ = ["CONTEXT", "dcat"]

CONTEXT: dict[str, str] = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "adms": "http://www.w3.org/ns/adms#",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def _lang(ko: str | None, en: str | None) -> list[dict[str, str]]:
    return [{"@value": v, "@language": lang} for lang, v in (("ko", ko), ("en", en)) if v]


def _agent(name: str) -> dict[str, Any]:
    return {"@type": "foaf:Agent", "foaf:name": name}


def _distributions(dataset_id: str, version: str, chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_split: dict[str, list[dict[str, Any]]] = {}
    for chunk in chunks:
        by_split.setdefault(chunk["split"], []).append(chunk)
    out = []
    for split, items in sorted(by_split.items()):
        out.append(
            {
                "@type": "dcat:Distribution",
                "@id": f"urn:kdata:{dataset_id}:{version}:{split}",
                "dct:title": f"{split} (Parquet, {len(items)} chunks)",
                "dcat:mediaType": PARQUET,
                "dct:format": "Parquet",
                "dcat:byteSize": {"@value": str(sum(c["content_size"] for c in items)), "@type": "xsd:decimal"},
                "dcat:accessURL": {"@id": items[0]["content_url"].rsplit("/", 1)[0]},
                "adms:sample": [
                    {
                        "@id": f"urn:kdata:{dataset_id}:{version}:{c['key']}",
                        "dcat:downloadURL": {"@id": c["content_url"]},
                        "dcat:byteSize": {"@value": str(c["content_size"]), "@type": "xsd:decimal"},
                        "spdx:checksum": {
                            "@type": "spdx:Checksum",
                            "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256"},
                            "spdx:checksumValue": c["sha256"],
                        },
                    }
                    for c in items
                ],
                "dct:description": f"{sum(c['record_count'] for c in items)} records",
            }
        )
    return out


def dcat(con: duckdb.DuckDBPyConnection, dataset_id: str, version: str | None = None) -> dict[str, Any]:
    """The DCAT JSON-LD of a published version (default: the latest)."""
    dataset, license, row, chunks = load_version(con, dataset_id, version)
    domain = DOMAINS[dataset["domain"]]
    status = str(license.get("status", ""))
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "dcat:Dataset",
        "@id": f"urn:kdata:{dataset_id}",
        "dct:identifier": dataset_id,
        "dct:title": _lang(dataset["name_ko"], dataset["name_en"]),
        "dct:description": _lang(dataset["description_ko"], dataset["description_en"]),
        "dcat:keyword": dataset.get("keywords") or [],
        "dcat:theme": _lang(domain.name_ko, domain.name_en),
        "dct:publisher": _agent(dataset["publisher"]),
        "dct:creator": [_agent(name) for name in dataset.get("creators") or []],
        "dct:language": ["ko"],
        "dct:temporal": {"@value": str(dataset["build_year"]), "@type": "xsd:gYear"},
        "dcat:version": row["version"],
        "adms:versionNotes": row.get("version_note") or "",
        "dct:license": {"@id": license["url"]} if license.get("url") else license.get("license_id", ""),
        "dct:accessRights": f"{LICENSE_STATUS_LABELS.get(status, status)} ({status})",
        "dct:rights": license.get("attribution") or "",
        "dcat:distribution": _distributions(dataset_id, row["version"], chunks),
    }
    if dataset.get("source_url"):
        doc["dcat:landingPage"] = {"@id": dataset["source_url"]}
    if row.get("date_published"):
        doc["dct:issued"] = {"@value": row["date_published"], "@type": "xsd:date"}
    if dataset.get("date_modified"):
        doc["dct:modified"] = {"@value": dataset["date_modified"], "@type": "xsd:gYearMonth"}
    return doc
