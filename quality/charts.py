"""Charts for auditors, as inline SVG drawn by matplotlib (its SVG backend, no JavaScript, nothing from the
network): pass/fail per quality item, class shares against the target distribution, and histograms of
text length, audio duration and box size (from ``summary["profile"]``, see :mod:`quality.profile`).

Text stays text (``svg.fonttype: none``) in NanumGothic, so Korean labels render with the page's fonts and
can be selected and read aloud. Every chart has a ``<title>`` (``role="img"``, ``aria-labelledby``) and the
same numbers as a table beside it. Output is deterministic: no date in the metadata, a fixed hash salt
for the SVG ids, and ids prefixed per chart so several charts can sit in one page. matplotlib is imported
here only, when a report or page is drawn (never on the CLI's other paths).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import logging
import re
import warnings
from collections.abc import Callable, Iterator, Mapping
from html import escape
from typing import Any

__all__ = ["Chart", "charts_for", "item_pass_share", "profile_charts"]

Chart = dict[str, Any]
"""``id``, ``title_ko``, ``title_en``, ``svg`` (markup), ``header`` and ``rows`` (the table beside it)."""

_RC: dict[Any, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "kdata-charts",
    "font.family": ["NanumGothic", "DejaVu Sans"],
    "font.size": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_PASS, _FAIL, _WARN, _TARGET, _BAR = "#0a6b2d", "#b00020", "#a05a00", "#8a96a8", "#3b6ea8"
_ID = re.compile(r'\bid="([^"]+)"')


def item_pass_share(item: Mapping[str, Any]) -> float:
    """Share of checked units that pass one quality item (0-100); items without counts: 100 or 0."""
    total = item.get("element_count")
    failing = item.get("unexpected_count")
    if isinstance(total, int) and total > 0 and isinstance(failing, int):
        return 100.0 * max(0, total - failing) / total
    return 100.0 if item.get("success") else 0.0


def _short(text: str, limit: int = 18) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Without NanumGothic on the host, matplotlib falls back to DejaVu: quietly (it logs a ``findfont``
    warning per text drawn or measured, and warns of each missing glyph), wherever text is drawn or measured."""
    fonts = logging.getLogger("matplotlib.font_manager")
    level = fonts.level
    fonts.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            yield
    finally:
        fonts.setLevel(level)


def _render(
    chart_id: str,
    title: str,
    draw: Callable[[Any], None],
    size: tuple[float, float],
    margins: Mapping[str, float] | None = None,
) -> str:
    """Draw with ``draw(figure)`` and return accessible, responsive, deterministic SVG markup. Without
    ``margins`` (subplot parameters) matplotlib's "tight" layout fits the axes, drawing the figure twice."""
    import matplotlib
    from matplotlib.figure import Figure

    buffer = io.StringIO()
    with matplotlib.rc_context(_RC), _quiet():
        # "tight": the same fit for one axes, at half the cost of "constrained"
        figure = Figure(figsize=size, dpi=72, layout=None if margins else "tight")
        if margins:
            figure.subplots_adjust(**margins)
        draw(figure)
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)  # creator, licence: not needed
    svg = _ID.sub(lambda m: f'id="{chart_id}-{m.group(1)}"', svg)
    svg = svg.replace("url(#", f"url(#{chart_id}-").replace('href="#', f'href="#{chart_id}-')  # also xlink:href
    head_end = svg.index(">")
    head = re.sub(r'\s(width|height)="[^"]*"', "", svg[:head_end])
    head += f' role="img" aria-labelledby="{chart_id}-title" class="chart" preserveAspectRatio="xMidYMid meet"'
    return f'{head}><title id="{chart_id}-title">{escape(title)}</title>{svg[head_end + 1 :]}'


def _bar_margins(labels: list[str], size: tuple[float, float]) -> dict[str, float]:
    """Subplot margins of a horizontal bar chart with one axis label below, from its tick labels' measured
    widths: what the "tight" layout finds, without drawing the figure twice (the pass/fail chart is drawn
    on every ingest's critical path). A browser draws the text (``svg.fonttype: none``) in its own copy of
    the font: 5 % and a few points to spare."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    width, height = size
    measure = TextToPath().get_text_width_height_descent
    font = FontProperties(family=_RC["font.family"], size=_RC["font.size"])
    with _quiet():
        widest = max((measure(label, font, ismath=False)[0] for label in labels), default=0.0)
    points = 72.0
    tick = 3.5 + 3.5  # tick length and pad (matplotlib's defaults)
    below = _RC["font.size"] * 2.4 + tick + 4.0 + 6.0  # tick labels, axis label (labelpad 4) and a margin
    return {
        "left": (widest * 1.05 + tick + 6.0) / points / width,
        "right": 1 - 14.0 / points / width,  # half of "100" past the axis end
        "bottom": below / points / height,
        "top": 1 - 6.0 / points / height,
    }


def _pass_fail(items: list[Mapping[str, Any]]) -> Chart:
    labels = [_short(str(i.get("item_ko") or i.get("key"))) for i in items]
    size = (6.0, 0.5 + 0.32 * max(len(items), 2))
    shares = [item_pass_share(i) for i in items]
    colours = [_PASS if i.get("success") else (_FAIL if i.get("severity") == "critical" else _WARN) for i in items]

    def draw(figure: Any) -> None:
        axes = figure.add_subplot()
        positions = list(range(len(items)))[::-1]
        axes.barh(positions, shares, color=colours, height=0.6)
        axes.set_yticks(positions, labels)
        axes.set_xlim(0, 100)
        axes.set_xlabel("통과 비율 % (share of units passing)")
        for y, share, item in zip(positions, shares, items, strict=True):
            axes.text(
                min(share, 100) + 1 if share < 85 else share - 1,
                y,
                "합격" if item.get("success") else "불합격",
                va="center",
                ha="left" if share < 85 else "right",
                fontsize=8,
                color="#222" if share < 85 else "white",
            )

    title = "품질 항목별 합격·불합격 (pass/fail per quality item)"
    rows = [
        [
            str(i.get("item_ko") or i.get("key")),
            str(i.get("item_en") or ""),
            f"{item_pass_share(i):.1f}%",
            "합격 pass" if i.get("success") else "불합격 fail",
        ]
        for i in items
    ]
    return {
        "id": "chart-pass-fail",
        "title_ko": "품질 항목별 합격·불합격",
        "title_en": "Pass/fail per quality item",
        "svg": _render("chart-pass-fail", title, draw, size, _bar_margins(labels, size)),
        "header": ["항목 Item", "Item (en)", "통과 비율 Share passing", "판정 Verdict"],
        "rows": rows,
    }


def _class_shares(entry: Mapping[str, Any], index: int) -> Chart:
    column = str(entry["column"])
    total = max(int(entry.get("total") or 0), 1)
    classes = list(entry.get("classes") or [])
    names = [str(c["value"]) for c in classes]
    observed = [100.0 * int(c["count"]) / total for c in classes]
    targets = [100.0 * float(c["target"]) for c in classes]
    tolerance = 100.0 * float(entry.get("tolerance") or 0)
    other = int(entry.get("other") or 0)
    if other:
        names.append("기타 other")
        observed.append(100.0 * other / total)
        targets.append(0.0)

    def draw(figure: Any) -> None:
        axes = figure.add_subplot()
        xs = list(range(len(names)))
        axes.bar([x - 0.2 for x in xs], observed, width=0.4, color=_BAR, label="실제 observed")
        axes.bar(
            [x + 0.2 for x in xs],
            targets,
            width=0.4,
            color=_TARGET,
            yerr=[tolerance if t else 0 for t in targets],
            capsize=3,
            label=f"목표 target (±{tolerance:g}%p)",
        )
        axes.set_xticks(xs, [_short(n, 12) for n in names], rotation=30 if len(names) > 5 else 0, ha="right")
        axes.set_ylabel("비율 share %")
        axes.legend(frameon=False, fontsize=8)

    chart_id = f"chart-classes-{index}"
    title = f"{column} 클래스 비율: 실제 대 목표 (class shares vs target)"
    rows = [
        [n, f"{o:.1f}%", f"{t:.1f}%" if n != "기타 other" else "—"]
        for n, o, t in zip(names, observed, targets, strict=True)
    ]
    return {
        "id": chart_id,
        "title_ko": f"{column} 클래스 비율 대 목표",
        "title_en": f"Class shares of {column} vs target",
        "svg": _render(chart_id, title, draw, (6.0, 3.2)),
        "header": ["클래스 Class", "실제 Observed", "목표 Target"],
        "rows": rows,
    }


def _histogram(hist: Mapping[str, Any]) -> Chart:
    edges = [float(e) for e in hist["edges"]]
    counts = [int(c) for c in hist["counts"]]
    widths = [b - a for a, b in itertools.pairwise(edges)]

    def draw(figure: Any) -> None:
        axes = figure.add_subplot()
        axes.bar(edges[:-1], counts, width=widths, align="edge", color=_BAR, edgecolor="white")
        axes.set_xlabel(f"{hist['title_ko']} · {hist['title_en']}")
        axes.set_ylabel("건수 count")

    chart_id = f"chart-{hist['key']}"
    title = f"{hist['title_ko']} 분포 ({hist['title_en']} histogram, {hist['field']})"
    rows = [[f"{a:g} – {b:g}", f"{n:,}"] for a, b, n in zip(edges, edges[1:], counts, strict=False)]
    return {
        "id": chart_id,
        "title_ko": f"{hist['title_ko']} 분포",
        "title_en": f"{hist['title_en']} histogram",
        "svg": _render(chart_id, title, draw, (6.0, 3.0)),
        "header": ["구간 Range", "건수 Count"],
        "rows": rows,
    }


def charts_for(summary: Mapping[str, Any], profiled: list[Chart] | None = None) -> list[Chart]:
    """The charts of one quality run (its summary, or a dict with ``items`` and optionally ``profile``):
    pass/fail per item, then the profile's (``profiled``: those already drawn from the same profile)."""
    items = list(summary.get("items") or [])
    charts = [_pass_fail(items)] if items else []
    return charts + (profiled if profiled is not None else profile_charts(summary.get("profile") or {}))


def profile_charts(profile: Mapping[str, Any]) -> list[Chart]:
    """Class shares and histograms of a run's profile (:mod:`quality.profile`): they need no verdict, so
    the quality stage may draw them while Great Expectations validates."""
    charts = [_class_shares(entry, index) for index, entry in enumerate(profile.get("classes") or [])]
    return charts + [_histogram(hist) for hist in profile.get("histograms") or []]
