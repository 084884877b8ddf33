"""Storage commands of ``kdata`` (downloads, store maintenance), registered on :data:`kdata.cli.app`."""

from __future__ import annotations
