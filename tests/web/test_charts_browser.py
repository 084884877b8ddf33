"""Charts for auditors in a real browser (Debian's Chromium via Playwright): the quality report and the
dataset page draw their inline SVG charts at desktop and phone widths, with no console error and no
request leaving the app."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Request

from kcore.config import Settings, load_settings
from kdata.web.app import create_app
from kdata.web.files import report_href
from tests.web.conftest import served

pytestmark = pytest.mark.integration

DATASET = "korean-sns-dialogue"
TARGETS = "  distributions:\n    speaker_gender_mix:\n      여성: 0.4\n      남성: 0.4\n      혼성: 0.2\n"
WIDTHS = [(1280, 900), (375, 740)]


@pytest.fixture(scope="module")
def charted(tmp_path_factory: pytest.TempPathFactory, sample_factory: Callable[..., Path]) -> tuple[Settings, str]:
    """A home with one dataset whose manifest sets target shares; returns the settings and its report path."""
    from kdata.pipeline import ingest

    folder = tmp_path_factory.mktemp("charts")
    dataset = folder / "ds"
    shutil.copytree(sample_factory(items=60), dataset)
    manifest = dataset / "dataset.yaml"
    text = manifest.read_text(encoding="utf-8")
    assert "  pii_policy: block\n" in text
    manifest.write_text(text.replace("  pii_policy: block\n", "  pii_policy: block\n" + TARGETS), encoding="utf-8")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("KDATA_HOME", str(folder / "home"))
        env.delenv("KDATA_STORE", raising=False)
        env.setenv("KDATA_USER", "tester")
        settings = load_settings()
        result = ingest(settings, str(dataset))
    assert result["status"] == "published"
    return settings, str(result["report"])


@pytest.fixture(scope="module")
def base_url(charted: tuple[Settings, str]) -> Iterator[str]:
    with served(create_app(charted[0], allowed_hosts=["127.0.0.1"])) as url:
        yield url


def _check_charts(browser: Browser, url: str, base_url: str, expected: list[str]) -> None:
    for width, height in WIDTHS:
        _check_width(browser, url, base_url, expected, width, height)


def _check_width(browser: Browser, url: str, base_url: str, expected: list[str], width: int, height: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="ko-KR")
    page = context.new_page()
    errors: list[str] = []
    outside: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{message.text} {message.location}")

    def request(sent: Request) -> None:
        if not sent.url.startswith((base_url, "data:")):
            outside.append(sent.url)

    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", request)
    response = page.goto(url)
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    figures = page.locator("figure.chart-figure")
    assert [f.get_attribute("id") for f in figures.all()] == [f"{c}-figure" for c in expected]
    for chart_id in expected:
        svg = page.locator(f"#{chart_id}-figure svg")
        box = svg.bounding_box()
        assert box is not None and 200 < box["width"] <= width and box["height"] > 80, (chart_id, width, box)
        title = page.locator(f"#{chart_id}-figure svg > title").text_content() or ""
        assert any("가" <= ch <= "힣" for ch in title), title
        assert svg.get_attribute("role") == "img"
        labels = " ".join(svg.locator("text").all_text_contents())
        assert any("가" <= ch <= "힣" for ch in labels), (chart_id, labels[:200])  # Korean drawn as text
        rows = page.locator(f"#{chart_id}-figure table.chart-data tr").count()
        assert rows >= 2  # the text alternative: header + data rows
    assert errors == [], (width, errors)
    assert outside == [], (width, outside)
    context.close()


def test_report_charts_render_at_desktop_and_phone_widths(
    browser: Browser, base_url: str, charted: tuple[Settings, str]
) -> None:
    settings, report = charted
    href = report_href(report, settings.reports_dir)
    assert href is not None
    expected = ["chart-pass-fail", "chart-classes-0", "chart-text_length"]
    _check_charts(browser, f"{base_url}/reports/{href}", base_url, expected)


def test_dataset_page_charts_render_at_desktop_and_phone_widths(browser: Browser, base_url: str) -> None:
    expected = ["chart-pass-fail", "chart-classes-0", "chart-text_length"]
    _check_charts(browser, f"{base_url}/datasets/{DATASET}", base_url, expected)
