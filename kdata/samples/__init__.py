"""Sample AI Hub-style datasets, deterministic by seed, for demos, tests and benchmarks.

``write_samples(DOMAIN, ...)`` takes a roadmap domain (``korean``, ``영상·이미지`` ...), which gives
the domain's default kind, or a sample kind by name (``korean_summary``, ``vision_kfashion`` ...):

| kind | domain | record schema | default dataset id |
|---|---|---|---|
| korean_dialogue (default) | korean | korean_dialogue | korean-sns-dialogue |
| korean_summary | korean | korean_summary | korean-news-summary |
| korean_speech | korean | korean_speech | korean-speech-transcript |
| vision_image (default) | vision | vision_image | vision-car-damage |
| vision_kfashion | vision | vision_image | vision-kfashion |
| healthcare_imaging (default) | healthcare | healthcare_imaging | healthcare-chest-xray |
| healthcare_note | healthcare | healthcare_note | healthcare-clinical-notes |
| manufacturing_sensor (default) | manufacturing | manufacturing_sensor | manufacturing-equipment-sensor |
| manufacturing_defect | manufacturing | manufacturing_defect | manufacturing-surface-defect |
| korean_emotional_dialogue | korean | labels: mapping only | korean-emotional-dialogue |
| finance_parallel (default) | finance | labels: mapping only | finance-parallel-corpus |
"""

from __future__ import annotations

from pathlib import Path

from kcore.errors import BadInput
from kdata.samples.base import SampleKind
from kdata.samples.layout import ArchiveOptions, SampleError
from schemas.domains import resolve_domain

__all__ = ["DEFAULT_KINDS", "MAPPED_KINDS", "SAMPLE_KINDS", "kind_domain", "sample_kind", "write_samples"]

SAMPLE_KINDS: dict[str, str] = {
    "korean_dialogue": "korean",
    "korean_summary": "korean",
    "korean_speech": "korean",
    "vision_image": "vision",
    "vision_kfashion": "vision",
    "healthcare_imaging": "healthcare",
    "healthcare_note": "healthcare",
    "manufacturing_sensor": "manufacturing",
    "manufacturing_defect": "manufacturing",
    "korean_emotional_dialogue": "korean",
    "finance_parallel": "finance",
}
"""Sample kind → roadmap domain."""

MAPPED_KINDS: frozenset[str] = frozenset({"korean_emotional_dialogue", "finance_parallel"})
"""Kinds read by their ``labels:`` mapping alone (real shapes no built-in reader knows): label files only,
and a row per record (sentence, turn), not per item."""

DEFAULT_KINDS: dict[str, str] = {
    "korean": "korean_dialogue",
    "vision": "vision_image",
    "healthcare": "healthcare_imaging",
    "manufacturing": "manufacturing_sensor",
    "finance": "finance_parallel",
}


def sample_kind(name: str) -> str:
    """The sample kind named by a kind name or a domain (id or Korean name); :class:`BadInput` otherwise."""
    key = name.strip().lower().replace("-", "_")
    if key in SAMPLE_KINDS:
        return key
    try:
        domain = resolve_domain(name).id
    except KeyError as error:
        raise BadInput(f"{error.args[0]}; or a sample kind: {', '.join(SAMPLE_KINDS)}") from None
    if domain not in DEFAULT_KINDS:
        raise BadInput(f"samples for domain {domain!r} are not available yet (available: {', '.join(DEFAULT_KINDS)})")
    return DEFAULT_KINDS[domain]


def kind_domain(name: str) -> str:
    """The roadmap domain of a sample kind or domain name (picks the ``ingest_<domain>`` DAG)."""
    return SAMPLE_KINDS[sample_kind(name)]


def _kind_object(kind: str) -> SampleKind:
    from kdata.samples import healthcare, korean_more, manufacturing, mapped, vision

    return {
        "korean_summary": korean_more.KoreanSummary,
        "korean_speech": korean_more.KoreanSpeech,
        "vision_image": vision.CarDamage,
        "vision_kfashion": vision.KFashion,
        "healthcare_imaging": healthcare.ChestXray,
        "healthcare_note": healthcare.ClinicalNotes,
        "manufacturing_sensor": manufacturing.SensorSeries,
        "manufacturing_defect": manufacturing.DefectImages,
        "korean_emotional_dialogue": mapped.EmotionalDialogue,
        "finance_parallel": mapped.FinanceParallel,
    }[kind]()  # type: ignore[abstract]


def write_samples(
    domain: str,
    out: Path,
    *,
    items: int,
    layout: str,
    seed: int,
    inject: str | None,
    dataset_id: str | None = None,
    options: ArchiveOptions | None = None,
) -> Path:
    """Write a sample dataset of ``domain`` (or sample kind); :class:`BadInput` for what cannot be generated."""
    kind = sample_kind(domain)
    try:
        if kind == "korean_dialogue":
            from kdata.samples.korean_dialogue import write_korean_dialogue

            return write_korean_dialogue(
                out,
                items=items,
                seed=seed,
                layout=layout,
                inject=inject,
                options=options,
                dataset_id=dataset_id or "korean-sns-dialogue",
            )
        from kdata.samples.base import write_kind

        return write_kind(
            _kind_object(kind),
            out,
            items=items,
            seed=seed,
            layout=layout,
            inject=inject,
            dataset_id=dataset_id,
            options=options,
        )
    except SampleError as error:
        raise BadInput(str(error)) from None
