"""Catalog commands of ``kdata`` (licence workflow, approvals, exports), registered on :data:`kdata.cli.app`."""

from __future__ import annotations
