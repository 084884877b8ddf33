"""The catalog in a real browser: headless Chromium (Debian's) driven by Playwright, app served by uvicorn."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageStat
from playwright.sync_api import Browser, Page

from kdata.web.app import create_app
from tests.web.conftest import WebCatalog, served

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def base_url(web_catalog: WebCatalog) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a thread."""
    with served(create_app(web_catalog.settings, allowed_hosts=["127.0.0.1"])) as url:
        yield url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    tab = context.new_page()
    dialogs: list[str] = []
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield tab
    context.close()
    assert dialogs == []  # no script ever ran an alert


def _result_ids(page: Page) -> list[str]:
    return [str(a.get_attribute("data-id")) for a in page.locator("article.result").all()]


def test_search_filter_open_dataset_and_screenshot(page: Page, base_url: str, tmp_path: Path) -> None:
    page.goto(base_url + "/")
    assert page.locator("h1").inner_text().startswith("데이터셋 검색")
    assert sorted(_result_ids(page)) == ["korean-sns-dialogue", "law-pending", "vision-demo"]

    page.fill("input[name=q]", "대화")
    page.select_option("select[name=domain]", "korean")
    page.click("form.search button[type=submit]")
    page.wait_for_url("**/?q=*")
    assert _result_ids(page) == ["korean-sns-dialogue"]
    assert page.locator("ul[data-facet=domain] a.selected").inner_text().startswith("한국어")

    page.click("ul[data-facet=domain] a:has-text('영상·이미지')")  # facet link: switch the domain
    assert _result_ids(page) == ["vision-demo"]
    page.go_back()
    assert _result_ids(page) == ["korean-sns-dialogue"]

    page.click("article.result h3 a")
    page.wait_for_url("**/datasets/korean-sns-dialogue")
    assert page.locator("h1#title").inner_text() == "한국어 SNS 대화 데이터"
    assert page.locator("#domestic").inner_text() == "※ 내국인만 데이터 신청이 가능합니다"
    assert page.locator("#splits tr[data-split=train] td.rows").inner_text() == "32"
    assert page.locator("#quality tr").count() > 5
    assert page.locator("table.samples tr").count() == 0  # dataset rows: tester holds no approval
    assert "samples need access" in page.locator("#samples-note").inner_text()
    assert page.locator("#how-to-apply li").count() >= 3  # tester has no approval
    assert page.locator("a.download").count() == 0

    shot = page.screenshot(full_page=True)
    (tmp_path / "dataset-page.png").write_bytes(shot)
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    assert image.width == 1280 and image.height > 2000
    grey = image.convert("L")
    stddev = ImageStat.Stat(grey).stddev[0]
    histogram = grey.histogram()
    non_white = 1 - sum(histogram[245:]) / (image.width * image.height)
    dark = sum(histogram[:100]) / (image.width * image.height)
    assert stddev > 15, stddev  # not a blank page
    assert non_white > 0.08, non_white  # header bar, table heads, badges, text
    assert dark > 0.005, dark  # text was drawn (Hangul renders with fonts-nanum)
    brand = image.getpixel((5, 5))
    assert brand[2] > 120 and brand[0] < 80  # the blue header bar


def test_script_in_the_search_box_is_shown_as_text(page: Page, base_url: str) -> None:
    payload = "<script>alert('x')</script>' OR 1=1 --"
    page.goto(base_url + "/")
    page.fill("input[name=q]", payload)
    page.click("form.search button[type=submit]")
    page.wait_for_url("**/?q=*")
    assert page.locator("#echo").inner_text() == payload
    assert page.input_value("input[name=q]") == payload
    assert page.locator("script").count() == 0
    assert _result_ids(page) == []
    page.goto(base_url + "/")
    assert len(_result_ids(page)) == 3  # the catalog is unharmed


def test_api_docs_render_from_this_app_alone(page: Page, base_url: str) -> None:
    """Swagger UI renders the catalog's operations with every request going to this app, and no script
    or style is refused by the page's Content-Security-Policy."""
    requested: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(base_url + "/api/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    paths = {p.get_attribute("data-path") for p in page.locator(".opblock-summary-path").all()}
    assert {"/api/datasets", "/api/datasets/{dataset_id}", "/api/audit"} <= paths
    assert requested and all(url.startswith(base_url + "/") for url in requested), requested
    assert problems == []
