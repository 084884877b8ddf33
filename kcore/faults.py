"""Fault injection for crash tests: :func:`fault_point` kills this process with SIGKILL when asked to.

The pipeline calls ``fault_point(name)`` at every place where a crash must leave nothing half-done
(the names are :data:`FAULT_POINTS`). It does nothing unless the environment asks for it:

- ``KDATA_FAULT=<name>``: die (``SIGKILL``, no clean-up, no ``finally``) at that point;
- ``KDATA_FAULT_AFTER=N``: on the N-th time the point is reached in this process (default 1), e.g. after
  the second row group of a chunk;
- ``KDATA_FAULT_ONCE=<marker file>``: die only if the marker file does not exist yet, and create it
  (atomically) first: only the first attempt of a retried Airflow task dies.

The variables are read once, at import; when ``KDATA_FAULT`` is absent a call costs one string comparison.
"""

from __future__ import annotations

import os
import signal

__all__ = ["FAULT_POINTS", "fault_point"]

FAULT_POINTS: dict[str, str] = {
    "after_plan": "plan.json written, nothing extracted (kdata.pipeline.ingest)",
    "after_extract": "one label archive extracted and its unit file written (kdata.pipeline.extract_unit)",
    "chunk_row_group": "a row group written into a *.incomplete chunk (ingest.chunks)",
    "chunk_rename": "a chunk's footer checked, before its rename from *.incomplete (ingest.chunks)",
    "after_quality": "quality reports written and recorded in the catalog (kdata.pipeline.check_quality)",
    "after_gate": "the gate passed the run (kdata.pipeline.gate)",
    "publish_staged": "a chunk uploaded to _staging/<run>/, before its copy (storage.publish)",
    "publish_copied": "every chunk copied to the version prefix, before the manifest (storage.publish)",
    "publish_manifest": "manifest.json created, staging not yet cleared (storage.publish)",
    "after_publish": "the version is published, not yet in the catalog (kdata.pipeline.publish_run)",
    "register_tx": "inside the catalog transaction, before COMMIT (catalog.register)",
    "after_register": "committed in the catalog (kdata.pipeline.register_run)",
}
"""Every fault point the code calls, with where it sits; the crash tests run each of them."""

_NAME = os.environ.get("KDATA_FAULT") or None
_AFTER = int(os.environ.get("KDATA_FAULT_AFTER") or 1)
_ONCE = os.environ.get("KDATA_FAULT_ONCE") or None
_hits = 0


def armed() -> bool:
    """Whether ``KDATA_FAULT`` names a fault point in this process (read at import)."""
    return _NAME is not None


def fault_point(name: str) -> None:
    """Die here with SIGKILL when ``KDATA_FAULT`` names this point (see the module docstring)."""
    if name != _NAME:
        return
    _fire(name)


def _fire(name: str) -> None:
    global _hits
    _hits += 1
    if _hits != _AFTER:
        return
    if _ONCE is not None:
        try:
            os.close(os.open(_ONCE, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            return
    os.write(2, f"KDATA_FAULT: killed at {name} (hit {_hits}, pid {os.getpid()})\n".encode())
    os.kill(os.getpid(), signal.SIGKILL)
