"""A short soak: 12 small ingests in a row in one process; file handles, memory and catalog stay bounded.

The long version (200 ingests, printed every 20) is ``benchmarks/soak.py``, run by ``make bench``.
Assertions are on growth, never on time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.soak import run

pytestmark = pytest.mark.integration


def test_twelve_ingests_in_a_row_stay_bounded(tmp_path: Path) -> None:
    samples = run(12, tmp_path, every=1)
    assert [s.ingests for s in samples] == list(range(1, 13))
    by = {s.ingests: s for s in samples}
    # No file handle leaks: the same descriptors open after the 3rd and after the 12th ingest.
    assert by[12].open_fds - by[3].open_fds <= 1, [s.open_fds for s in samples]
    # Memory levels off once everything is imported (GX, DuckDB, pyarrow caches): < 20 % over 9 ingests.
    assert by[12].rss_mib <= by[3].rss_mib * 1.2, [s.rss_mib for s in samples]
    # The catalog (file + readers' snapshot) grows by less than one 256 KiB DuckDB block per ingest: tiny
    # datasets share blocks (an indexed table once took a new block per ingest: migration 0006). The
    # file size swings by a few blocks from one checkpoint to the next, so compare maxima of 5 ingests.
    early = max(by[i].catalog_bytes for i in range(3, 8))
    late = max(by[i].catalog_bytes for i in range(8, 13))
    assert late - early < 5 * 256 * 1024, [s.catalog_bytes for s in samples]
