"""The suite of a mapped dataset, generated from its mapping's roles (not written per schema).

Each role attaches its checks to the columns that carry it: ``id`` present and unique; the source
file present (when the dataset ships source archives and labels name or imply their sources);
``class``/``speaker``/``language`` in the declared class set; ``bbox``/``polygon`` inside the image
and boxes with an area; ``image_width``/``image_height`` positive; ``start``/``end`` in time order;
``duration`` not negative; ``text`` not empty. Personal data (every string, ``label_json`` included),
duplicate content, orphan sources and the manifest's distributions come from :mod:`quality.suites.common`.
"""

from __future__ import annotations

from quality.gx_runner import ExpectationSpec
from quality.suites._specs import between, id_specs, in_set, is_true, schema_valid, source_present, zero
from schemas.labels import LabelMapping
from schemas.mapped import AUDIO_LENGTH_OK, ENDS_IN_AUDIO, ROW_KEY
from schemas.records import RecordSchema

__all__ = ["mapped_specs"]


def mapped_specs(
    schema: RecordSchema, mapping: LabelMapping, *, syntactic_target: float, has_sources: bool
) -> list[ExpectationSpec]:
    """The expectations of a mapped schema (the common ones are added by the caller)."""
    names = {c.name for c in schema.columns}
    checked = set(schema.check_columns())
    columns = mapping.columns()
    specs = [schema_valid(syntactic_target)]
    if schema.id_column == ROW_KEY:
        specs += [id_specs(ROW_KEY, "행", "row")[1]]
    else:
        specs += id_specs(schema.id_column, "레코드", "record")
    joins = bool(mapping.role_columns("source")) or all(
        b.records.strip() in ("$", "") for b in mapping.resolved().blocks
    )
    if has_sources and joins:
        specs.append(source_present())
    for name, spec in columns.items():
        if name not in checked:
            continue
        role = spec.role
        if role in ("class", "speaker", "language") and spec.classes:
            specs.append(
                in_set(
                    f"{name}_in_class_set",
                    name,
                    list(spec.classes),
                    (f"{name} 값이 정의된 클래스 안에 있음", f"Every {name} is a declared class"),
                )
            )
        elif role in ("image_width", "image_height"):
            specs.append(between(f"{name}_positive", name, 1, None, (f"{name} 양수", f"{name} is positive")))
        elif role == "duration":
            specs.append(between(f"{name}_not_negative", name, 0, None, (f"{name} ≥ 0", f"{name} is not negative")))
    for name in sorted(names):
        if name.endswith("__outside"):
            base = name.removesuffix("__outside")
            specs.append(
                zero(f"{base}_inside_image", name, f"{base}: 이미지 안에 있음", f"{base} lies inside the image")
            )
        elif name.endswith("__invalid"):
            base = name.removesuffix("__invalid")
            specs.append(zero(f"{base}_has_area", name, f"{base}: 박스 면적 유효", f"{base} boxes have an area"))
        elif name.endswith("__empty"):
            base = name.removesuffix("__empty")
            specs.append(
                zero(f"{base}_not_empty", name, f"{base}: 빈 텍스트 없음", f"{base} is never empty", severity="warning")
            )
    if "time_order_ok" in names:
        specs.append(is_true("time_order", "time_order_ok", "시작 ≤ 종료 (시간 순서)", "start ≤ end, start ≥ 0"))
    if "image_valid" in names:
        specs.append(
            is_true("image_readable", "image_valid", "이미지 정상·크기 일치", "Image decodes and has the stated size")
        )
    if "audio_valid" in names:
        specs.append(
            is_true(
                "audio_readable",
                "audio_valid",
                "오디오 정상·길이 일치",
                "Audio reads and is as long as its header says",
            )
        )
    if ENDS_IN_AUDIO in names:  # a warning too: times in other units than seconds
        specs.append(
            is_true(
                "segments_within_audio",
                ENDS_IN_AUDIO,
                "구간 끝 시각 ≤ 오디오 길이",
                "Every segment ends within its audio",
                severity="warning",
            )
        )
    if AUDIO_LENGTH_OK in names:  # a warning: a label may state its duration in other units than seconds
        specs.append(
            is_true(
                "audio_length_matches_label",
                AUDIO_LENGTH_OK,
                "라벨 길이 = 오디오 길이 (0.5초 또는 5% 이내)",
                "The label's duration is the audio's (within 0.5 s or 5 %)",
                severity="warning",
            )
        )
    return specs
