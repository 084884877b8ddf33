"""Korean dialogue suite: 구문 정확성, 유일성, 의미 정확성, 완전성.

Runs on the check frame: one row per label unit (a dialogue, or an unreadable label member),
with ``schema_valid`` and the small scalar columns of the record schema.
"""

from __future__ import annotations

from quality.gx_runner import ExpectationSpec

__all__ = ["specs"]

_SYN = ("구문 정확성", "Syntactic accuracy")
_UNIQ = ("유일성", "Uniqueness")
_SEM = ("의미 정확성", "Semantic accuracy")
_COMP = ("완전성", "Completeness")
_VALID_ONLY = {"row_condition": "schema_valid == True", "condition_parser": "pandas"}
_PAIR = {"ignore_row_if": "either_value_is_missing"}


def specs(*, syntactic_target: float) -> list[ExpectationSpec]:
    return [
        ExpectationSpec(
            "label_schema_valid",
            *_SYN,
            "라벨 스키마 적합률",
            "Share of labels that parse and match the schema",
            "critical",
            "ExpectColumnValuesToBeInSet",
            {"column": "schema_valid", "value_set": [True], "mostly": syntactic_target},
            f"≥ {syntactic_target * 100:g}%",
        ),
        ExpectationSpec(
            "dialogue_id_not_null",
            *_SYN,
            "대화 ID 존재",
            "Every dialogue has an id",
            "critical",
            "ExpectColumnValuesToNotBeNull",
            {"column": "dialogue_id", **_VALID_ONLY},
            "100%",
        ),
        ExpectationSpec(
            "dialogue_id_unique",
            *_UNIQ,
            "대화 ID 고유성",
            "Dialogue ids are unique",
            "critical",
            "ExpectColumnValuesToBeUnique",
            {"column": "dialogue_id"},
            "100%",
        ),
        ExpectationSpec(
            "utterances_present",
            *_SEM,
            "발화 존재",
            "Every dialogue has at least one utterance",
            "critical",
            "ExpectColumnValuesToBeBetween",
            {"column": "utterance_count", "min_value": 1},
            "100%",
        ),
        ExpectationSpec(
            "utterances_not_empty",
            *_SEM,
            "빈 발화 없음",
            "No utterance is empty",
            "critical",
            "ExpectColumnValuesToBeBetween",
            {"column": "empty_utterance_count", "min_value": 0, "max_value": 0},
            "100%",
        ),
        ExpectationSpec(
            "utterance_count_matches",
            *_SEM,
            "발화 수 일치",
            "numberOfUtterances equals the utterances in the body",
            "critical",
            "ExpectColumnPairValuesToBeEqual",
            {"column_A": "number_of_utterances", "column_B": "utterance_count", **_PAIR},
            "100%",
        ),
        ExpectationSpec(
            "turn_count_matches",
            *_SEM,
            "턴 수 일치",
            "numberOfTurns equals the distinct turns in the body",
            "warning",
            "ExpectColumnPairValuesToBeEqual",
            {"column_A": "number_of_turns", "column_B": "turn_count", **_PAIR},
            "100%",
        ),
        ExpectationSpec(
            "participant_count_matches",
            *_SEM,
            "참여자 수 일치",
            "numberOfParticipants equals participantsInfo",
            "warning",
            "ExpectColumnPairValuesToBeEqual",
            {"column_A": "number_of_participants", "column_B": "participant_count", **_PAIR},
            "100%",
        ),
        ExpectationSpec(
            "source_present",
            *_COMP,
            "원천 파일 존재",
            "Every label has its source file",
            "critical",
            "ExpectColumnValuesToBeInSet",
            {"column": "has_source", "value_set": [True]},
            "100%",
        ),
    ]
