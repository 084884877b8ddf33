"""Charts for auditors: the profile's counts (class shares, histograms) and the SVG drawn from them."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from quality.charts import charts_for, item_pass_share
from quality.profile import profile_chunks
from schemas.manifest import QualityTargets
from schemas.records import get_record_schema

SPEECH = get_record_schema("korean_speech")
VISION = get_record_schema("vision_image")


def _chunk(path: Path, schema: pa.Schema, columns: dict[str, list[object]]) -> Path:
    rows = len(next(iter(columns.values())))
    data = {f.name: columns.get(f.name, [None if f.nullable else f"{f.name}-{i}" for i in range(rows)]) for f in schema}
    pq.write_table(pa.table(data, schema=schema), path)
    return path


def test_profile_counts_classes_and_bins(tmp_path: Path) -> None:
    schema = SPEECH.arrow_schema()
    durations = [0.5, 1.0, 1.2, 2.5, 3.9, 4.0, 7.5, None]
    texts = ["안녕하세요", "네", "오늘 날씨가 좋네요", "", "감사합니다", "예", "그렇습니다", None]
    one = _chunk(tmp_path / "a.parquet", schema, {"duration": durations[:4], "text": texts[:4]})
    two = _chunk(tmp_path / "b.parquet", schema, {"duration": durations[4:], "text": texts[4:]})
    targets = QualityTargets(distributions={"audio_format": {"pcm": 0.5, "wav": 0.5}})
    profile = profile_chunks([one, two], SPEECH, targets)
    hist = {h["key"]: h for h in profile["histograms"]}
    assert set(hist) == {"text_length", "audio_duration"}
    assert sum(hist["audio_duration"]["counts"]) == hist["audio_duration"]["values"] == 7  # the null left out
    assert hist["audio_duration"]["edges"][0] <= 0.5 and hist["audio_duration"]["edges"][-1] >= 7.5
    assert sum(hist["text_length"]["counts"]) == 7 and hist["text_length"]["max"] == len("오늘 날씨가 좋네요")
    assert hist["text_length"]["field"] == "text"
    [classes] = profile["classes"]  # audio_format is all null here: every row counts as other
    assert classes["total"] == 8 and classes["other"] == 8 and [c["count"] for c in classes["classes"]] == [0, 0]


def test_profile_box_sizes_and_undeclared_classes_unnamed(tmp_path: Path) -> None:
    schema = VISION.arrow_schema()
    boxes = [
        [{"category": "상의", "bbox": [0.0, 0.0, 10.0, 40.0], "polygons": []}],
        [{"category": "하의", "bbox": [5.0, 5.0, 30.0, 30.0], "polygons": []}, {"category": "x", "bbox": [1.0]}],
        [],
    ]
    chunk = _chunk(
        tmp_path / "v.parquet", schema, {"annotations": boxes, "label_format": ["coco", "010-1234-5678", "coco"]}
    )
    targets = QualityTargets(distributions={"label_format": {"coco": 0.9, "kfashion": 0.1}})
    profile = profile_chunks([chunk], VISION, targets)
    [box] = [h for h in profile["histograms"] if h["key"] == "box_size"]
    assert box["values"] == 2 and box["min"] == 20.0 and box["max"] == 30.0  # √(10·40), √(30·30); [1.0] skipped
    [classes] = profile["classes"]
    assert [(c["value"], c["count"]) for c in classes["classes"]] == [("coco", 2), ("kfashion", 0)]
    assert classes["other"] == 1 and "010-1234-5678" not in str(profile)  # an undeclared value is never named


def _summary() -> dict[str, object]:
    items = [
        {
            "key": "a",
            "item_ko": "대화 ID 고유성",
            "item_en": "Ids are unique",
            "success": True,
            "severity": "critical",
            "element_count": 200,
            "unexpected_count": 0,
        },
        {
            "key": "b",
            "item_ko": "빈 발화 없음",
            "item_en": "No empty utterance",
            "success": False,
            "severity": "warning",
            "element_count": 200,
            "unexpected_count": 50,
        },
        {
            "key": "c",
            "item_ko": "게시할 레코드 존재",
            "item_en": "Rows exist",
            "success": False,
            "severity": "critical",
        },
    ]
    profile = {
        "classes": [
            {
                "column": "topic",
                "total": 100,
                "tolerance": 0.05,
                "other": 10,
                "classes": [
                    {"value": "여행", "target": 0.5, "count": 60},
                    {"value": "음식", "target": 0.5, "count": 30},
                ],
            }
        ],
        "histograms": [
            {
                "key": "text_length",
                "title_ko": "텍스트 길이 (글자)",
                "title_en": "Text length (characters)",
                "field": "utterances[*].utterance",
                "edges": [0, 5, 10, 15],
                "counts": [3, 9, 2],
                "values": 14,
                "min": 1,
                "max": 14,
            }
        ],
    }
    return {"items": items, "profile": profile}


def test_charts_are_accessible_deterministic_svg_with_korean_text() -> None:
    charts = charts_for(_summary())
    assert [c["id"] for c in charts] == ["chart-pass-fail", "chart-classes-0", "chart-text_length"]
    assert charts == charts_for(_summary())  # byte-identical on a second drawing
    ids: list[str] = []
    for chart in charts:
        svg = chart["svg"]
        assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
        assert f'role="img" aria-labelledby="{chart["id"]}-title"' in svg
        assert re.search(rf'<title id="{chart["id"]}-title">[^<]*[가-힣]', svg)
        assert "<script" not in svg and "http" not in svg.replace("http://www.w3.org/", "")  # nothing to fetch
        assert re.search(r"<text[^>]*>[^<]*[가-힣]", svg), chart["id"]  # Korean stays text (svg.fonttype none)
        assert "<dc:date>" not in svg
        found = re.findall(r'\bid="([^"]+)"', svg)
        assert all(i.startswith(chart["id"] + "-") for i in found)
        ids += found
        assert chart["rows"] and all(len(r) == len(chart["header"]) for r in chart["rows"])
    assert len(ids) == len(set(ids))  # several charts in one page: no id is repeated
    pass_fail = charts[0]["rows"]
    assert [r[2] for r in pass_fail] == ["100.0%", "75.0%", "0.0%"]
    classes = charts[1]["rows"]
    assert classes == [["여행", "60.0%", "50.0%"], ["음식", "30.0%", "50.0%"], ["기타 other", "10.0%", "—"]]
    assert charts[2]["rows"] == [["0 – 5", "3"], ["5 – 10", "9"], ["10 – 15", "2"]]


def test_item_pass_share_without_counts() -> None:
    assert item_pass_share({"success": True}) == 100.0
    assert item_pass_share({"success": False, "element_count": 0, "unexpected_count": 0}) == 0.0
    assert charts_for({"items": [], "profile": {}}) == []


def _report_of_an_ingest(dataset: Path, home: Path, monkeypatch: pytest.MonkeyPatch, *, fork: bool) -> str:
    """summary.html of an in-process ingest of ``dataset`` into ``home``; ``fork``: as a job of the warm
    worker (the charts drawn in a forked child while GX validates) or not (drawn after it, here)."""
    from kcore import forked
    from kcore.config import load_settings
    from kdata import pipeline

    monkeypatch.setenv("KDATA_HOME", str(home))
    monkeypatch.setattr(forked, "allowed", lambda: fork)
    result = pipeline.ingest(load_settings(), str(dataset), workers=1)
    assert result["status"] == "published", result
    return Path(result["report"]).read_text(encoding="utf-8")


@pytest.mark.integration
def test_charts_drawn_in_a_forked_child_are_those_drawn_inline_and_a_failed_child_costs_nothing_but_time(
    sample_factory: Any, kdata_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    import quality.check

    monkeypatch.setenv("KDATA_GX_WORKER", "off")
    dataset = sample_factory(items=60, seed=3)
    inline = _report_of_an_ingest(dataset, tmp_path / "inline", monkeypatch, fork=False)
    forked = _report_of_an_ingest(dataset, tmp_path / "forked", monkeypatch, fork=True)
    assert inline.count("<svg") >= 2  # pass/fail and the profile's charts (text lengths)
    assert forked == inline  # byte for byte: the same page whichever process drew the charts

    def fails(*args: object) -> None:
        raise RuntimeError("the profile could not be read")

    monkeypatch.setattr(quality.check, "_profile_and_charts", fails)  # what the forked child runs
    with caplog.at_level("WARNING", logger="quality.check"):
        again = _report_of_an_ingest(dataset, tmp_path / "failed", monkeypatch, fork=True)
    assert "charts drawn here instead" in caplog.text and "RuntimeError: the profile could not be read" in caplog.text
    assert again == inline  # drawn here instead: nothing missing from the page


@pytest.mark.parametrize(
    "names",
    [
        ["ID 고유성"],
        ["라벨 스키마 유효성 검사 항목이 매우 긴 경우", "짧음"],
        ["label_schema_valid_for_every_unit"] * 14,
    ],
)
def test_pass_fail_chart_margins_hold_every_label_inside_the_figure(
    names: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pass/fail chart is laid out from its labels' measured widths (not matplotlib's "tight" layout,
    which draws it twice): drawn with those margins, nothing sticks out of the figure, and the axes are
    not squeezed into a sliver either."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from quality import charts

    drawn: dict[str, Any] = {}
    real_render = charts._render

    def keep(chart_id: str, title: str, draw: Any, size: Any, margins: Any = None) -> str:
        drawn.update(draw=draw, size=size, margins=margins)
        return real_render(chart_id, title, draw, size, margins)

    monkeypatch.setattr(charts, "_render", keep)
    items = [{"key": f"k{n}", "item_ko": name, "success": n % 2 == 0, "element_count": 10, "unexpected_count": n}
             for n, name in enumerate(names)]  # fmt: skip
    (chart,) = charts_for({"items": items})
    assert chart["id"] == "chart-pass-fail" and drawn["margins"] is not None
    with matplotlib.rc_context(charts._RC):
        figure = Figure(figsize=drawn["size"], dpi=72)
        FigureCanvasAgg(figure)
        figure.subplots_adjust(**drawn["margins"])
        drawn["draw"](figure)
        box = figure.get_tightbbox(figure.canvas.get_renderer())  # inches
    width, height = drawn["size"]
    assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height, (box, drawn["size"])
    axes = figure.axes[0].get_position()
    assert axes.width > 0.3 and axes.x0 < 0.75


def test_a_host_without_the_korean_font_draws_quietly(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, recwarn: pytest.WarningsRecorder
) -> None:
    """Without NanumGothic matplotlib logs ``findfont`` for every text measured: the pass/fail chart's margins
    are measured outside the drawing, and printed it 14 times on every ingest's terminal."""
    import matplotlib.font_manager

    import quality.charts as charts

    monkeypatch.setitem(charts._RC, "font.family", ["KdataNoSuchFont", "DejaVu Sans"])
    matplotlib.font_manager.fontManager._findfont_cached.cache_clear()
    caplog.set_level(logging.DEBUG)
    drawn = charts_for(_summary())
    assert drawn and all("<svg" in chart["svg"] for chart in drawn)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]
    assert logging.getLogger("matplotlib.font_manager").level == logging.NOTSET  # the host's logging left as it was
