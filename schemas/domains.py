"""The 14 roadmap domains of AI Hub (학습용 데이터 구축 로드맵).

Every catalog domain is one of these ids; users may also name a domain by its Korean name.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DOMAINS", "Domain", "resolve_domain"]


@dataclass(frozen=True)
class Domain:
    """One roadmap domain: a stable id, its Korean and English names, and its roadmap group."""

    id: str
    name_ko: str
    name_en: str
    group_ko: str
    group_en: str


_FOUNDATION = ("기반기술", "Foundation technology")
_PUBLIC = ("전략분야1", "Strategic area 1 (public good)")
_INDUSTRY = ("전략분야2", "Strategic area 2 (industry)")

DOMAINS: dict[str, Domain] = {
    d.id: d
    for d in (
        Domain("korean", "한국어", "Korean language", *_FOUNDATION),
        Domain("vision", "영상·이미지", "Vision", *_FOUNDATION),
        Domain("healthcare", "헬스케어", "Healthcare", *_PUBLIC),
        Domain("transport", "교통·물류", "Transport and logistics", *_PUBLIC),
        Domain("disaster_safety", "재난·안전·환경", "Disaster, safety and environment", *_PUBLIC),
        Domain("agriculture", "농·축·수산", "Agriculture, livestock and fisheries", *_PUBLIC),
        Domain("manufacturing", "제조", "Manufacturing", *_INDUSTRY),
        Domain("robotics", "로보틱스", "Robotics", *_INDUSTRY),
        Domain("law", "법률", "Law", *_INDUSTRY),
        Domain("education", "교육", "Education", *_INDUSTRY),
        Domain("finance", "금융", "Finance", *_INDUSTRY),
        Domain("ip", "지식재산", "Intellectual property", *_INDUSTRY),
        Domain("culture_tourism", "문화·관광", "Culture and tourism", *_INDUSTRY),
        Domain("sports", "스포츠", "Sports", *_INDUSTRY),
    )
}


def _squash(text: str) -> str:
    return "".join(ch for ch in text.strip().lower() if ch not in " ·・.,/_-")


def resolve_domain(name: str) -> Domain:
    """Return the domain named by its id (``korean``) or Korean name (``한국어``, ``영상 이미지``).

    Raises ``KeyError`` with the list of valid ids when nothing matches.
    """
    key = _squash(name)
    for domain in DOMAINS.values():
        if key in (_squash(domain.id), _squash(domain.name_ko), _squash(domain.name_en)):
            return domain
    valid = ", ".join(f"{d.id} ({d.name_ko})" for d in DOMAINS.values())
    raise KeyError(f"unknown domain {name!r}; valid domains: {valid}")
