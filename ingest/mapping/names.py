"""Column names for label keys: ASCII snake case; Korean keys by a small glossary, else romanised.

Romanisation follows the Revised Romanization of Korean letter by letter (no sound-change rules):
``식별자`` → ``sikbyeolja``. Glossary words come first (``이미지 식별자`` → ``image_id``).
"""

from __future__ import annotations

import re

__all__ = ["column_name", "romanize"]

_INITIAL = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "_", "j", "jj", "ch", "k", "t", "p", "h"]
_MEDIAL = [
    "a",
    "ae",
    "ya",
    "yae",
    "eo",
    "e",
    "yeo",
    "ye",
    "o",
    "wa",
    "wae",
    "oe",
    "yo",
    "u",
    "wo",
    "we",
    "wi",
    "yu",
    "eu",
    "ui",
    "i",
]
_FINAL = ["", "k", "k", "ks", "n", "nj", "nh", "t", "l", "lk", "lm", "lb", "ls", "lt", "lp", "lh", "m", "p", "ps",
          "t", "t", "ng", "t", "t", "k", "t", "p", "t"]  # fmt: skip

GLOSSARY = {
    "이미지": "image", "식별자": "id", "아이디": "id", "파일명": "file_name", "파일": "file", "너비": "width",
    "높이": "height", "정보": "info", "데이터셋": "dataset", "상세설명": "detail", "라벨링": "labeling",
    "렉트좌표": "rect", "폴리곤좌표": "polygon", "좌표": "coord", "스타일": "style", "카테고리": "category",
    "소재": "material", "핏": "fit", "색상": "color", "기장": "length", "소매기장": "sleeve_length",
    "넥라인": "neckline", "디테일": "detail", "프린트": "print", "옷깃": "collar", "서브색상": "sub_color",
    "아우터": "outer", "하의": "bottom", "상의": "top", "원피스": "dress", "분류": "class", "클래스": "class",
    "유형": "type", "종류": "kind", "번호": "no", "이름": "name", "제목": "title", "내용": "content",
    "문장": "sentence", "발화": "utterance", "화자": "speaker", "성별": "gender", "나이": "age", "연령": "age",
    "연령대": "age_group", "지역": "region", "시작": "start", "종료": "end", "시간": "time", "일시": "datetime",
    "날짜": "date", "길이": "length", "재생시간": "duration", "값": "value", "단위": "unit", "언어": "language",
    "질문": "question", "답변": "answer", "요약": "summary", "감정": "emotion", "상황": "situation",
    "위치": "location", "크기": "size", "가로": "width", "세로": "height", "품목": "item", "작물": "crop",
    "병해": "disease", "해충": "pest", "등급": "grade", "점수": "score", "결과": "result", "원문": "source_text",
    "번역문": "translation", "출처": "source", "주제": "topic", "장소": "place", "객체": "object", "상태": "state",
}  # fmt: skip

_HANGUL = re.compile(r"[가-힣]+")


def romanize(text: str) -> str:
    out = []
    for ch in text:
        code = ord(ch) - 0xAC00
        if 0 <= code < 11172:
            initial, rest = divmod(code, 588)
            medial, final = divmod(rest, 28)
            head = _INITIAL[initial]
            out.append(("" if head == "_" else head) + _MEDIAL[medial] + _FINAL[final])
        else:
            out.append(ch)
    return "".join(out)


def _words(key: str) -> str:
    key = re.sub(r"\(.*?\)", " ", key)  # 'SampleRate(Hz)' → SampleRate
    key = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key)  # camelCase → camel_Case
    parts = []
    for token in re.split(r"[^0-9A-Za-z가-힣]+", key):
        if not token:
            continue
        if _HANGUL.search(token) and token in GLOSSARY:
            parts.append(GLOSSARY[token])
        elif _HANGUL.search(token):  # Hangul and Latin runs apart (설비ID → seolbi_id); the longest glossary
            for run in re.findall(r"[가-힣]+|[0-9A-Za-z]+", token):  # words inside, the rest romanised
                parts.append(_gloss_within(run) if _HANGUL.search(run) else run.lower())
        else:
            parts.append(token.lower())
    return "_".join(p for p in parts if p)


def _gloss_within(token: str) -> str:
    for size in range(len(token), 0, -1):
        for start in range(0, len(token) - size + 1):
            word = token[start : start + size]
            if word in GLOSSARY and size > 1:
                left, right = token[:start], token[start + size :]
                pieces = [_gloss_within(left) if left else "", GLOSSARY[word], _gloss_within(right) if right else ""]
                return "_".join(p for p in pieces if p)
    return romanize(token)


def column_name(keys: list[str], taken: set[str]) -> str:
    """A free column name for a value under ``keys`` (the last key first; a parent key when it clashes)."""
    candidates = []
    for depth in range(1, len(keys) + 1):
        name = "_".join(w for w in (_words(k) for k in keys[-depth:]) if w)
        name = re.sub(r"_+", "_", name).strip("_")[:60] or "field"
        if name[0].isdigit():
            name = "f_" + name
        candidates.append(name)
    from schemas.labels import DERIVED_SUFFIXES, RESERVED_COLUMNS

    for name in candidates:
        if name not in taken and name not in RESERVED_COLUMNS and not name.endswith(DERIVED_SUFFIXES):
            return name
    base, n = candidates[-1], 2
    while f"{base}_{n}" in taken:
        n += 1
    return f"{base}_{n}"
