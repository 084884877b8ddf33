"""The auditor's summary page renders in a real browser (headless Chromium through Playwright)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import sync_playwright

from quality.pii import RULES
from tests.quality._support import ingest, kdata

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def test_summary_renders_the_quality_table(kdata_home: Path, sample_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, result, _ = ingest(sample_factory(items=40, inject="pii"))
    assert code == 3
    report = kdata("report", "korean-sns-dialogue")
    assert report.exit_code == 0
    path = Path(report.stdout.strip())
    assert path == Path(result["report"]) and path.is_file()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(path.as_uri())
            headers = page.locator("#quality-table tr").first.locator("th").all_inner_texts()
            rows = page.locator("#quality-table tr")
            cells = {
                rows.nth(n).locator("td").nth(1).inner_text().split("\n")[-1]: rows.nth(n)
                .locator("td")
                .all_inner_texts()
                for n in range(1, rows.count())
            }
            pii_rows = page.locator("#pii-table tr").count()
            pii_text = page.locator("#pii-table").inner_text()
            verdict = page.locator("#verdict").inner_text()
            shot = page.screenshot(full_page=True)
            (tmp_path / "summary.png").write_bytes(shot)
        finally:
            browser.close()

    assert [h.split("\n")[0].split(" ")[0] for h in headers[:5]] == ["구분", "항목명", "중요도", "정량목표", "결과값"]
    assert len(cells) >= 12
    pii_free = cells["pii_free"]
    assert pii_free[0].startswith("개인정보 보호") and "불합격" in pii_free[5] and "치명" in pii_free[2]
    assert "(1 / 40 " in pii_free[4] and "KSNS_" in pii_free[6] and "TL_1." in pii_free[6]
    assert "합격 pass" in cells["label_schema_valid"][5]
    assert pii_rows == 1 + len(RULES) and "900101-1******" in pii_text and "010-****-****" in pii_text
    assert verdict.startswith("불합격")

    image = Image.open(io.BytesIO(shot)).convert("RGB")
    assert image.height > 1000  # the whole page, several screens of tables
    colours = image.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 50  # text in several colours and anti-aliased Hangul, not a blank page
    white = sum(count for count, rgb in colours if rgb == (255, 255, 255))
    assert white < 0.97 * image.width * image.height
