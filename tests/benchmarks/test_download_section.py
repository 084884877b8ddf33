"""The download benchmark's BENCHMARKS.md section: its verdicts come from the figures, not from prose."""

from __future__ import annotations

from typing import Any

from benchmarks import download


def _point(label_mb: float, rg: int, split: int, read: int, main: bool = False) -> dict[str, Any]:
    windows = [{"where": "dialogue_id BETWEEN 'a' AND 'b'", "rows": 200, "row_groups": 1}]
    return {
        "label_mb": label_mb, "row_group_bytes": rg, "main": main, "split_bytes": split, "chunks": 2,
        "train_rows": 20_000, "row_groups": 30, "footer_bytes": split // 30, "windows": windows,
        "select_all_bytes": read, "select_all_max_bytes": read, "select_all_requests": 27, "select_all_chunks": 1,
        "select_two_bytes": read // 3, "select_two_max_bytes": read // 3, "select_two_requests": 6,
    }  # fmt: skip


def _result(points: list[dict[str, Any]]) -> dict[str, Any]:
    transfer = {
        "split_bytes": 3_300_000, "chunks": 2, "kdata_mb_s": 15.0, "kdata_s": 0.2, "kdata_runs": [0.2],
        "boto3_mb_s": 18.0, "boto3_s": 0.18, "boto3_runs": [0.18], "throughput_ratio": 0.9,
    }  # fmt: skip
    return {"label_mb": 100.3, "selective": points, "dialogue": transfer, "speech": transfer}


def test_verdicts_follow_the_figures() -> None:
    mib = 1024**2
    points = [
        _point(100.3, mib, 3_300_000, 178_000, main=True),  # 5.4 %: missed
        _point(100.3, mib // 2, 3_600_000, 170_000),  # 4.7 %: met, split 9 % bigger
        _point(100.3, 2 * mib, 3_100_000, 260_000),  # 8.4 %: missed
        _point(1001.8, mib, 32_800_000, 670_000),
    ]
    text = download.section(_result(points))
    assert "5.4% with 1 MiB row groups; met with 0.5 MiB (the split grows up to 9%" in text
    assert "On the 33 MB split, with 1 MiB row groups, a 1 % filter reads 2.0% of it." in text
    assert "100.3 MB and 1001.8 MB of label JSON" in text
    assert text.count("\n| 3.") == 3 and "| **2.04%** |" in text

    points[1]["select_all_bytes"] = 200_000  # 5.6 %: now nothing on the small split meets the target
    assert "met with" not in download.section(_result(points))
