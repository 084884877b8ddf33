"""Closed vocabularies of the manifest, in a module without pydantic: ``kdata search`` checks its options
against them without importing the manifest model (:mod:`schemas.manifest` re-exports them)."""

from __future__ import annotations

from typing import Literal

__all__ = ["DataType", "LicenseStatus", "ReleaseStatus"]

DataType = Literal["text", "image", "audio", "video", "sensor"]
"""유형: 텍스트 text · 이미지 image · 음성 audio · 영상 video · 센서 sensor."""

LicenseStatus = Literal["pending_review", "open", "approval_required", "restricted", "withdrawn"]
"""검토 대기 pending_review · 공개 open · 승인 필요 approval_required · 제한 restricted · 철회 withdrawn."""

ReleaseStatus = Literal["beta", "open", "withdrawn"]
"""공개 상태 of the dataset (not its licence): 베타 beta · 개방 open · 철회 withdrawn."""
