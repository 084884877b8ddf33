"""Run a Great Expectations (GX 1.x) suite over a pandas DataFrame, PII-safely.

This module is the single place where K-Data Catalog talks to Great Expectations.
A quality gate is described as a list of :class:`ExpectationSpec` (one row of the
auditors' quality table: 구분 / 항목 / 정량목표 plus the GX expectation that checks
it). :func:`run_suite` validates one dataset version with them and returns a
:class:`SuiteResult` whose ``critical_failed`` list decides publication.

Design notes (checked against great-expectations 1.24.1):

* Everything runs in an *ephemeral* GX context (in-memory stores, analytics off,
  progress bars off). The only files written are ``out_dir/gx_result.json`` and,
  when asked, the Data Docs site ``out_dir/data_docs/``.
* Failing rows are reported by the dataset's id column only, never by value. GX runs
  with ``SUMMARY`` + ``exclude_unexpected_values`` and returns (at most
  :data:`MAX_FAILING_IDS`) failing row positions, which are mapped to ``id_column``
  values here (see :func:`_result_format` for why not ``unexpected_index_column_names``).
  The result is then *sanitised* in place before it is written or rendered: per
  expectation only counts, the failing ids (as ``unexpected_index_list``
  ``[{id_column: [...]}]``) and, for non-sensitive specs, the aggregate
  ``observed_value`` survive. A whitelist, because GX ignores
  ``exclude_unexpected_values`` for some aggregate expectations (for example
  ``ExpectColumnDistinctValuesToBeInSet`` still returns ``partial_unexpected_list``).
* Data Docs are rendered from the sanitised result: it replaces the raw one in the
  context's (in-memory) validation-results store and ``context.build_data_docs`` is
  called for that one result and its suite. The spec metadata (key, 구분, 항목,
  정량목표, severity, GX expectation class and kwargs, failing ids) is shown through the
  expectation ``description``, which GX renders in place of its own prose.
* A dataset too big for one frame is validated frame by frame (:func:`run_suite_batches`):
  GX runs the same suite on each batch and the counts are combined per expectation (sums of
  element, missing and unexpected counts, the ``mostly`` rule applied to the totals, column means
  weighted by their counts). Uniqueness needs the whole column: the caller gives a flag column
  per unique column (True where the value occurs more than once in the whole dataset) and the
  outcome is counted from it. Memory holds one batch, never the dataset.
* ``import great_expectations`` is slow (10-15 s) and chatty, so it is imported
  lazily by :func:`run_suite`, after its loggers have been set to WARNING; while GX
  runs, its log records and Python warnings are kept off stdout/stderr (records are
  re-logged at DEBUG on this module's logger).
"""

from __future__ import annotations

import gc
import html
import inspect
import json
import logging
import math
import numbers
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

from kcore.atomic import write_atomic

if TYPE_CHECKING:
    import pandas

__all__ = [
    "MAX_FAILING_IDS",
    "ExpectationOutcome",
    "ExpectationSpec",
    "GXRunError",
    "Severity",
    "SuiteResult",
    "run_suite",
    "run_suite_batches",
    "trim_heap",
]

Severity = Literal["critical", "warning"]

#: How many failing row ids are kept per expectation (in outcomes, JSON and Data Docs).
MAX_FAILING_IDS = 20

#: How a null id value is reported in ``failing_ids``.
NULL_ID = "(null)"

_LOG = logging.getLogger(__name__)

_GX_LOGGERS = ("great_expectations", "great_expectations._docs_decorators")
_RESERVED_KWARGS = frozenset({"id", "meta", "severity", "result_format"})
_SEVERITIES: frozenset[str] = frozenset({"critical", "warning"})
_DOCS_SITE = "kdata_local_site"
_DATASOURCE = "kdata_pandas"
_ASSET = "frame"
_RUN_NAME = "kdata"

# Keys of an ExpectationValidationResult.result that never carry data values.
_COUNT_KEYS = frozenset(
    {
        "element_count",
        "missing_count",
        "missing_percent",
        "unexpected_count",
        "unexpected_percent",
        "unexpected_percent_nonmissing",
        "unexpected_percent_total",
        "unexpected_index_column_names",
    }
)
_INDEX_LIST_KEYS = ("unexpected_index_list", "partial_unexpected_index_list")


class GXRunError(Exception):
    """Great Expectations could not evaluate the suite (config error or GX exception)."""


@dataclass(frozen=True)
class ExpectationSpec:
    """One row of the quality table and the GX expectation that checks it."""

    key: str  # stable short id, e.g. "dialogue_id_unique"
    category_ko: str  # 구분, e.g. "구문 정확성"
    category_en: str  # e.g. "Syntactic accuracy"
    item_ko: str  # 항목명, e.g. "대화 ID 고유성"
    item_en: str  # e.g. "Dialogue ids are unique"
    severity: Severity
    expectation: str  # class name in gx.expectations, e.g. "ExpectColumnValuesToBeUnique"
    kwargs: dict[str, Any]  # kwargs for that class, e.g. {"column": "dialogue_id"}
    target: str  # 정량목표 shown to auditors, e.g. "100%" or "≥ 99.5%"
    sensitive: bool = False  # True: never store unexpected values (PII); ids only


@dataclass(frozen=True)
class ExpectationOutcome:
    """What one expectation found (values-free; ids only)."""

    key: str
    success: bool
    severity: Severity
    element_count: int | None
    unexpected_count: int | None
    unexpected_percent: float | None
    observed_value: Any  # JSON-serialisable; None for sensitive specs
    failing_ids: list[str]  # up to MAX_FAILING_IDS ids of failing rows, [] if n/a
    spec: ExpectationSpec
    failing_details: list[dict[str, Any]] = field(default_factory=list)
    """For each failing id, the values of the ``detail_columns`` asked for on that row."""


@dataclass(frozen=True)
class SuiteResult:
    """Outcome of :func:`run_suite`."""

    suite_name: str
    success: bool  # all expectations succeeded
    critical_failed: list[str]  # keys of failed critical expectations
    warnings_failed: list[str]  # keys of failed warning expectations
    outcomes: list[ExpectationOutcome]
    result_json: Path  # out_dir / "gx_result.json"
    data_docs_index: Path | None  # out_dir / "data_docs" / "index.html" (None if no docs)
    gx_version: str


# --------------------------------------------------------------------------- GX import


def _quiet_gx_loggers() -> None:
    for name in _GX_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.WARNING:
            logger.setLevel(logging.WARNING)


_quiet_gx_loggers()


def _import_gx() -> ModuleType:
    """Import great_expectations quietly and without analytics."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    _quiet_gx_loggers()
    import great_expectations as gx

    _quiet_gx_loggers()  # in case importing GX (re)configured logging
    _share_template_code()
    return gx


class _TemplateCode:
    """A process-wide, in-memory Jinja bytecode cache (jinja2's ``BytecodeCache`` interface): compiled
    template code keyed by template name and source checksum."""

    def __init__(self) -> None:
        from jinja2 import BytecodeCache

        class _Cache(BytecodeCache):
            def __init__(self) -> None:
                self.code: dict[str, bytes] = {}

            def load_bytecode(self, bucket: Any) -> None:
                code = self.code.get(bucket.key)
                if code is not None:
                    bucket.bytecode_from_string(code)

            def dump_bytecode(self, bucket: Any) -> None:
                self.code[bucket.key] = bucket.bytecode_to_string()

        self.cache = _Cache()


_TEMPLATE_CODE: _TemplateCode | None = None


def _share_template_code() -> None:
    """Let every GX Data Docs view share compiled templates.

    GX builds a new Jinja ``Environment`` for each view it renders, so the ~50 Data Docs templates were
    compiled again on every report (about 1 s of each quality run here). Jinja's documented remedy is a
    bytecode cache; GX exposes no setting for one, so the views get this process's cache when they are
    made (a jinja2 feature, keyed by the template source's checksum: a changed template is compiled again).
    Idempotent; a forked warm worker's jobs inherit the compiled code."""
    global _TEMPLATE_CODE
    if _TEMPLATE_CODE is not None:
        return
    from great_expectations.render.view.view import DefaultJinjaView

    _TEMPLATE_CODE = _TemplateCode()
    cache = _TEMPLATE_CODE.cache
    original = DefaultJinjaView.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.env.bytecode_cache = cache

    DefaultJinjaView.__init__ = __init__  # type: ignore[method-assign]


def warm_up(out_dir: Path) -> None:
    """Run a two-row suite with Data Docs once (GX's lazy imports, compiled templates): for a warm worker."""
    import pandas

    spec = ExpectationSpec(
        key="warm_up",
        category_ko="준비",
        category_en="Warm-up",
        item_ko="준비",
        item_en="Warm-up",
        severity="warning",
        expectation="ExpectColumnValuesToNotBeNull",
        kwargs={"column": "id"},
        target="100%",
    )
    run_suite_batches(
        [pandas.DataFrame({"id": ["a", "b"]})], [spec], suite_name="warm-up", out_dir=out_dir, id_column="id"
    )


@contextmanager
def _gx_guard() -> Iterator[list[logging.LogRecord]]:
    """Keep GX quiet while it runs and collect the WARNING+ records it would have printed.

    GX logs (rather than raises) some failures, e.g. Data Docs rendering errors, with
    tracebacks; those are captured here instead of reaching stderr. Python warnings
    raised inside GX (pandas FutureWarnings etc.) are ignored for the same reason.
    """
    records: list[logging.LogRecord] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    gx_logger = logging.getLogger("great_expectations")
    handler = _Collect(level=logging.WARNING)
    old_propagate = gx_logger.propagate
    gx_logger.addHandler(handler)
    gx_logger.propagate = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield records
    finally:
        gx_logger.removeHandler(handler)
        gx_logger.propagate = old_propagate


# --------------------------------------------------------------------------- helpers


def _check_specs(specs: list[ExpectationSpec]) -> None:
    if not specs:
        raise ValueError("run_suite needs at least one ExpectationSpec")
    seen: set[str] = set()
    for spec in specs:
        if spec.key in seen:
            raise ValueError(f"duplicate expectation key {spec.key!r}")
        seen.add(spec.key)
        if spec.severity not in _SEVERITIES:
            raise GXRunError(f"expectation {spec.key!r}: unknown severity {spec.severity!r}")
        reserved = _RESERVED_KWARGS.intersection(spec.kwargs)
        if reserved:
            raise GXRunError(
                f"expectation {spec.key!r}: kwargs may not set {sorted(reserved)} "
                "(id/meta/severity/result_format are controlled by gx_runner)"
            )


def _spec_meta(spec: ExpectationSpec) -> dict[str, Any]:
    """Expectation ``meta`` (kept in the suite, the result JSON and the Data Docs source)."""
    return {
        "key": spec.key,
        "severity": spec.severity,
        "category_ko": spec.category_ko,
        "category_en": spec.category_en,
        "item_ko": spec.item_ko,
        "item_en": spec.item_en,
        "target": spec.target,
        "sensitive": spec.sensitive,
        "expectation": spec.expectation,
    }


def _spec_description(spec: ExpectationSpec) -> str:
    """Text Data Docs show for the expectation (GX renders ``description`` instead of prose).

    GX 1.24's other hook for custom columns (suite ``meta_properties_to_render`` notes)
    crashes the validation page renderer, so the spec metadata goes here.
    """
    own = spec.kwargs.get("description")
    params = ", ".join(f"{name}={value!r}" for name, value in spec.kwargs.items() if name != "description")
    text = (
        f"[{spec.key}] {spec.item_ko} ({spec.item_en}) · 구분 {spec.category_ko} "
        f"({spec.category_en}) · 정량목표 {spec.target} · {spec.severity} · "
        f"{spec.expectation}({params})"
    )
    # GX inserts the description into the page as raw HTML.
    return html.escape(f"{own} — {text}" if own else text, quote=False)


def _build_expectation(gx: ModuleType, spec: ExpectationSpec) -> Any:
    cls: Any = getattr(gx.expectations, spec.expectation, None)
    if not (inspect.isclass(cls) and issubclass(cls, gx.expectations.Expectation)):
        raise GXRunError(
            f"expectation {spec.key!r}: unknown GX expectation class {spec.expectation!r} "
            "(expected a class name from great_expectations.expectations)"
        )
    factory: Any = cls  # (issubclass() against a module attribute narrows to type[object])
    kwargs = {**spec.kwargs, "description": _spec_description(spec)}
    try:
        return factory(**kwargs, severity=spec.severity, meta=_spec_meta(spec))
    except Exception as exc:  # pydantic validation errors, bad kwargs, ...
        raise GXRunError(
            f"expectation {spec.key!r}: invalid kwargs for {spec.expectation}: {type(exc).__name__}: {exc}"
        ) from exc


def _result_format() -> dict[str, Any]:
    """SUMMARY, no values, failing rows as (at most MAX_FAILING_IDS) row positions.

    GX 1.24 can report ``unexpected_index_column_names=[id_column]`` itself, but then it
    walks *every* failing row in Python (``DataFrame.at`` per row, and with
    ``exclude_unexpected_values`` returns all of them in one dict that
    ``partial_unexpected_count`` does not truncate): ~25 s for 500k failing rows of 1M.
    With the default RangeIndex it returns positions, truncated, and we look the ids up.
    """
    return {
        "result_format": "SUMMARY",
        "exclude_unexpected_values": True,
        "partial_unexpected_count": MAX_FAILING_IDS,
        "return_unexpected_index_query": False,
        "include_unexpected_rows": False,
    }


def _is_null(value: Any) -> bool:
    from pandas import isna

    try:
        return bool(isna(value))  # None, NaN, NaT, pd.NA
    except (TypeError, ValueError):  # list-likes
        return False


def _id_str(value: Any) -> str:
    return NULL_ID if _is_null(value) else str(value)


def _failing_positions(raw: Mapping[str, Any]) -> list[int]:
    """Row positions GX reported as failing (``partial_unexpected_index_list``), capped."""
    positions: list[int] = []
    for name in _INDEX_LIST_KEYS:
        index_list = raw.get(name)
        if isinstance(index_list, list) and index_list:
            positions = [int(p) for p in index_list[:MAX_FAILING_IDS] if isinstance(p, numbers.Integral)]
            break
    return positions


def _json_safe(value: Any) -> Any:
    """Replace NaN/inf (invalid JSON) with None, recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def _exception_message(evr: Any) -> str | None:
    """Message of an exception GX caught while evaluating one expectation, if any."""
    info = getattr(evr, "exception_info", None) or {}
    candidates = [info] if "raised_exception" in info else list(info.values())
    for entry in candidates:
        if isinstance(entry, Mapping) and entry.get("raised_exception"):
            return str(entry.get("exception_message") or "unknown error")
    return None


def _clean(raw: Mapping[str, Any], spec: ExpectationSpec) -> dict[str, Any]:
    """Counts (+ observed_value if not sensitive) of a raw ``evr.result``: never a data value."""
    clean: dict[str, Any] = {k: _json_safe(v) for k, v in raw.items() if k in _COUNT_KEYS}
    if "observed_value" in raw and not spec.sensitive:
        clean["observed_value"] = _json_safe(raw["observed_value"])
    return clean


def _finish(
    evr: Any, spec: ExpectationSpec, clean: dict[str, Any], id_values: list[Any], id_column: str, indexed: bool
) -> list[str]:
    """Put the clean result (and the failing ids) on ``evr``, in place; returns the ids as text."""
    ids = [_id_str(v) for v in id_values]
    if indexed:
        # The shape GX itself uses with unexpected_index_column_names + exclude_unexpected_values.
        clean["unexpected_index_column_names"] = [id_column]
        clean["unexpected_index_list"] = [{id_column: [None if _is_null(v) else _json_safe(v) for v in id_values]}]
    evr.result = clean
    config = evr.expectation_config
    if ids and config is not None and config.description:
        shown = html.escape(", ".join(ids), quote=False)
        unexpected = clean.get("unexpected_count")
        if isinstance(unexpected, int) and unexpected > len(ids):
            shown += f", … ({unexpected} rows)"
        label = html.escape(id_column, quote=False)
        config.description = f"{config.description} · failing {label}: {shown}"
    return ids


def _write_json(path: Path, payload: Any) -> None:
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, indent=2, allow_nan=False)
    write_atomic(path, (text + "\n").encode(), fsync=False, mode=0o600)  # 0o600: as mkstemp made it


_RENDER_ERROR = re.compile(r'(\w+(?:Error|Exception)): "(.*?)"\.\s+Traceback', re.DOTALL)


def _report_gx_errors(records: list[logging.LogRecord], suite_name: str) -> None:
    """Log (DEBUG) errors GX logged instead of raising, e.g. while rendering Data Docs.

    Known case in GX 1.24: failed aggregate expectations that report ``unexpected_count``
    without ``unexpected_percent`` (e.g. ExpectColumnDistinctValuesToBeInSet) lose their
    "N unexpected values found" sentence. A missing page is a hard error elsewhere.
    """
    for record in records:
        match = _RENDER_ERROR.search(record.getMessage())
        summary = f"{match.group(1)}: {match.group(2)[:200]}" if match else record.getMessage().splitlines()[0][:200]
        _LOG.debug("suite %r: GX logged an error: %s", suite_name, summary)


# --------------------------------------------------------------------------- main API


def run_suite(
    frame: pandas.DataFrame,
    specs: list[ExpectationSpec],
    *,
    suite_name: str,
    out_dir: Path,
    id_column: str,
    build_docs: bool = True,
) -> SuiteResult:
    """Validate ``frame`` against ``specs`` once and write the result (and Data Docs).

    Args:
        frame: the dataset version as a pandas DataFrame (not modified).
        specs: expectations, evaluated in one GX validation; outcomes keep this order.
        suite_name: GX expectation suite name (also shown in Data Docs).
        out_dir: created if missing; receives ``gx_result.json`` and ``data_docs/``
            (an existing ``data_docs/`` is replaced).
        id_column: column whose values identify failing rows in outcomes/JSON/docs.
        build_docs: render the GX Data Docs site for this result.

    Raises:
        ValueError: no specs, duplicate keys, or ``id_column`` missing from ``frame``.
        GXRunError: unknown expectation class, bad kwargs, or GX failed to evaluate an
            expectation (the message names the spec key) or to run at all.
    """
    return run_suite_batches(
        [frame], specs, suite_name=suite_name, out_dir=out_dir, id_column=id_column, build_docs=build_docs
    )


_FROZEN = False


def _freeze_heap() -> None:
    """Move the objects alive now (GX, pandas and the rest of the imports: millions) out of the cyclic
    collector's reach, once per process: the full collection after each frame then walks only what
    came since (0.3 s a frame less here). Only cyclic garbage already among them would stay unfreed."""
    global _FROZEN
    if not _FROZEN:
        gc.freeze()
        _FROZEN = True


def run_suite_batches(
    batches: Iterable[pandas.DataFrame],
    specs: list[ExpectationSpec],
    *,
    suite_name: str,
    out_dir: Path,
    id_column: str,
    build_docs: bool = True,
    unique_flags: Mapping[str, str] | None = None,
    detail_columns: Sequence[str] = (),
) -> SuiteResult:
    """:func:`run_suite` over a dataset given as consecutive frames (rows of one dataset, in order).

    GX validates each frame as it arrives (memory holds one) and the outcomes are combined per
    expectation, as if the frames were one. Map expectations (values in a set, between, not null,
    pair equal) and ``ExpectColumnMeanToBeBetween`` combine; other aggregates only with one frame.

    ``unique_flags`` maps a column to a flag column present in every frame: True where the value
    occurs more than once in the whole dataset, False where once, null where the value is null.
    ``ExpectColumnValuesToBeUnique`` on that column is counted from the flags (the same counts GX
    gives on the whole column); without a flag it needs a single frame. ``detail_columns`` are read
    on each failing row (``ExpectationOutcome.failing_details``), e.g. where the row came from.
    """
    _check_specs(specs)
    flags = dict(unique_flags or {})
    gx = _import_gx()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    result_json = out_dir / "gx_result.json"
    docs_dir = out_dir / "data_docs"
    # Never leave a previous run's artifacts next to a failed (or docs-less) run.
    result_json.unlink(missing_ok=True)
    if docs_dir.exists():
        shutil.rmtree(docs_dir)
    docs_tmp = Path(tempfile.mkdtemp(prefix=".data_docs.", dir=out_dir)) if build_docs else None
    try:
        with _gx_guard() as gx_errors:
            expectations = [_build_expectation(gx, spec) for spec in specs]
            try:
                context = _make_context(gx, docs_tmp)
                suite = _build_suite(gx, context, suite_name, expectations)
                batch_definition = (
                    context.data_sources.add_pandas(_DATASOURCE)
                    .add_dataframe_asset(_ASSET)
                    .add_batch_definition_whole_dataframe("whole_frame")
                )
                validation = context.validation_definitions.add(
                    gx.ValidationDefinition(name=f"{suite_name}-validation", data=batch_definition, suite=suite)
                )
                # One run id for every frame: the (in-memory) results store keeps one result, the last.
                run_id = gx.RunIdentifier(run_name=_RUN_NAME, run_time=datetime.now(UTC))
            except GXRunError:
                raise
            except Exception as exc:
                raise GXRunError(f"GX failed to validate suite {suite_name!r}: {type(exc).__name__}: {exc}") from exc

            _freeze_heap()
            tallies = [_Tally(spec, flags.get(_unique_column(spec) or "")) for spec in specs]
            result: Any = None
            last: dict[str, Any] = {}
            frames = 0
            for batch in batches:
                batch = _positional(batch, id_column)
                try:
                    result = validation.run(
                        batch_parameters={"dataframe": batch}, result_format=_result_format(), run_id=run_id
                    )
                except Exception as exc:
                    raise GXRunError(
                        f"GX failed to validate suite {suite_name!r}: {type(exc).__name__}: {exc}"
                    ) from exc
                last = _results_by_key(result, specs)
                for tally in tallies:
                    tally.add(last[tally.spec.key], batch, id_column, detail_columns)
                frames += 1
                del batch
                gc.collect()  # GX's result objects hold the frame in reference cycles: free it now
                trim_heap()
            if result is None:
                raise ValueError("run_suite_batches needs at least one frame")
            outcomes = [tally.finish(last[tally.spec.key], id_column, frames) for tally in tallies]
            _restate(result, outcomes)
            _write_json(result_json, _json_safe(result.to_json_dict()))

            docs_index: Path | None = None
            if docs_tmp is not None:
                try:
                    _build_docs(context, result, suite_name)
                except GXRunError:
                    raise
                except Exception as exc:
                    raise GXRunError(
                        f"GX failed to build Data Docs for suite {suite_name!r}: {type(exc).__name__}: {exc}"
                    ) from exc
                os.replace(docs_tmp, docs_dir)  # a whole folder renamed into place, not kcore.atomic's one file
                docs_index = docs_dir / "index.html"
                if not docs_index.is_file():
                    raise GXRunError(f"GX built no Data Docs index for suite {suite_name!r}")
        _report_gx_errors(gx_errors, suite_name)
    finally:
        if docs_tmp is not None and docs_tmp.exists():
            shutil.rmtree(docs_tmp, ignore_errors=True)

    critical = [o.key for o in outcomes if not o.success and o.severity == "critical"]
    warning = [o.key for o in outcomes if not o.success and o.severity == "warning"]
    return SuiteResult(
        suite_name=suite_name,
        success=all(o.success for o in outcomes),
        critical_failed=critical,
        warnings_failed=warning,
        outcomes=outcomes,
        result_json=result_json,
        data_docs_index=docs_index,
        gx_version=str(gx.__version__),
    )


def trim_heap() -> None:
    """Give freed memory back to the system: Arrow's pool (pandas strings) and glibc's heap both keep
    what big frames leave behind, and the batches would otherwise each leave a little more."""
    global _MALLOC_TRIM
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    if _MALLOC_TRIM is None:
        try:
            import ctypes

            _MALLOC_TRIM = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):  # not glibc: nothing to do
            _MALLOC_TRIM = False
    if _MALLOC_TRIM:
        _MALLOC_TRIM(0)


_MALLOC_TRIM: Any = None


def _positional(frame: pandas.DataFrame, id_column: str) -> pandas.DataFrame:
    """``frame`` with row positions as its index (GX reports failing rows by index label)."""
    if id_column not in frame.columns:
        raise ValueError(f"id column {id_column!r} is not a column of the frame")
    import pandas as pd

    if not frame.index.equals(pd.RangeIndex(len(frame))) or any(n is not None for n in frame.index.names):
        frame = frame.reset_index(drop=True)  # cheap with CoW; the caller's frame is untouched
    return frame


def _unique_column(spec: ExpectationSpec) -> str | None:
    """The column of an ``ExpectColumnValuesToBeUnique`` without a row condition (flags can stand in)."""
    if spec.expectation != "ExpectColumnValuesToBeUnique" or "row_condition" in spec.kwargs:
        return None
    column = spec.kwargs.get("column")
    return column if isinstance(column, str) else None


def _results_by_key(result: Any, specs: list[ExpectationSpec]) -> dict[str, Any]:
    """Each spec's result (GX reorders them, grouped by column); GXRunError for a missing or failed one."""
    by_key: dict[str, Any] = {}
    for evr in result.results:
        meta = evr.expectation_config.meta if evr.expectation_config is not None else None
        key = meta.get("key") if isinstance(meta, dict) else None
        if isinstance(key, str):
            by_key[key] = evr
    for spec in specs:
        evr = by_key.get(spec.key)
        if evr is None:
            raise GXRunError(f"expectation {spec.key!r}: GX returned no result for it")
        message = _exception_message(evr)
        if message is not None:
            if spec.sensitive:
                message = "(message withheld: sensitive expectation)"
            raise GXRunError(f"expectation {spec.key!r} ({spec.expectation}) raised inside GX: {message}")
    return by_key


def _rows_at(frame: pandas.DataFrame, positions: list[int], columns: Sequence[str]) -> list[dict[str, Any]]:
    if not positions or not columns:
        return [{} for _ in positions]
    present = [c for c in columns if c in frame.columns]
    rows = frame[present].iloc[positions].to_dict("records") if present else [{} for _ in positions]
    return [{c: (None if _is_null(row.get(c)) else row.get(c)) for c in columns} for row in rows]


@dataclass
class _Tally:
    """One expectation's outcome over the frames seen so far (counts, first failing ids)."""

    spec: ExpectationSpec
    flag: str | None  # flag column standing in for a whole-dataset uniqueness check
    frames: int = 0
    first: dict[str, Any] = field(default_factory=dict)  # the raw result of the first frame
    element: int = 0
    missing: int | None = 0  # None: the expectation reports no missing count (not-null checks)
    unexpected: int | None = 0
    indexed: bool = False
    ids: list[Any] = field(default_factory=list)
    details: list[dict[str, Any]] = field(default_factory=list)
    total: float = 0.0  # column mean: sum and count of the non-null values
    count: int = 0

    def add(self, evr: Any, frame: pandas.DataFrame, id_column: str, detail_columns: Sequence[str]) -> None:
        raw: dict[str, Any] = dict(evr.result or {})
        if self.flag is not None:
            raw = self._flag_counts(frame)
        if not self.frames:
            self.first = raw
        self.frames += 1
        self.indexed = self.indexed or any(name in raw for name in _INDEX_LIST_KEYS)
        if "unexpected_count" in raw:
            self.element += int(raw.get("element_count") or 0)
            self.unexpected = (
                None
                if raw["unexpected_count"] is None or self.unexpected is None
                else (self.unexpected + int(raw["unexpected_count"]))
            )
            missing = raw.get("missing_count")
            self.missing = None if missing is None or self.missing is None else self.missing + int(missing)
        if self.spec.expectation == "ExpectColumnMeanToBeBetween":
            import pandas as pd

            values = pd.to_numeric(frame[self.spec.kwargs["column"]], errors="coerce")
            self.total += float(values.sum())
            self.count += int(values.count())
        room = MAX_FAILING_IDS - len(self.ids)
        positions = _failing_positions(raw)[:room] if room > 0 else []
        if positions:
            self.ids.extend(frame[id_column].iloc[positions].tolist())
            self.details.extend(_rows_at(frame, positions, detail_columns))

    def _flag_counts(self, frame: pandas.DataFrame) -> dict[str, Any]:
        """What GX reports for uniqueness on the whole dataset, from this frame's flag column."""
        assert self.flag is not None
        if self.flag not in frame.columns:
            raise ValueError(f"flag column {self.flag!r} (uniqueness of {self.spec.key!r}) is not in the frame")
        flags = frame[self.flag]
        missing = int(flags.isna().sum())
        duplicated = flags.eq(True).fillna(False).to_numpy(dtype=bool)
        positions = [int(p) for p in duplicated.nonzero()[0][:MAX_FAILING_IDS]]
        raw = _map_counts(len(frame), int(duplicated.sum()), missing)
        raw["partial_unexpected_index_list"] = positions
        return raw

    def finish(self, evr: Any, id_column: str, frames: int) -> ExpectationOutcome:
        """Put the combined result on ``evr`` (the last frame's) and return the outcome."""
        spec = self.spec
        if frames == 1 and self.flag is None:
            raw, success = self.first, bool(evr.success)  # what GX said, as it said it
        elif spec.expectation == "ExpectColumnValuesToBeUnique" and self.flag is None:
            raise GXRunError(f"expectation {spec.key!r}: uniqueness over {frames} frames needs a flag column")
        elif "unexpected_count" in self.first:
            raw = _map_counts(self.element, self.unexpected, self.missing)
            success = _map_success(self.element, self.unexpected, self.missing, spec.kwargs.get("mostly", 1.0))
        elif spec.expectation == "ExpectColumnMeanToBeBetween":
            mean = self.total / self.count if self.count else None
            raw, success = {"observed_value": mean}, _between(mean, spec.kwargs)
        else:
            raise GXRunError(f"expectation {spec.key!r}: {spec.expectation} cannot be combined over {frames} frames")
        evr.success = success
        clean = _clean(raw, spec)
        ids = _finish(evr, spec, clean, self.ids, id_column, self.indexed)
        return ExpectationOutcome(
            key=spec.key,
            success=success,
            severity=spec.severity,
            element_count=_opt_int(clean.get("element_count")),
            unexpected_count=_opt_int(clean.get("unexpected_count")),
            unexpected_percent=_opt_float(clean.get("unexpected_percent")),
            observed_value=None if spec.sensitive else clean.get("observed_value"),
            failing_ids=ids,
            spec=spec,
            failing_details=list(self.details[: len(ids)]),
        )


def _map_counts(element: int, unexpected: int | None, missing: int | None) -> dict[str, Any]:
    """The counts and shares GX's ``_format_map_output`` reports (``missing`` None: not reported)."""
    counts: dict[str, Any] = {"element_count": element, "unexpected_count": unexpected}
    total = missing_share = nonmissing = None
    if unexpected is not None and element > 0:
        total = unexpected / element * 100
        if missing is not None:
            missing_share = missing / element * 100
            nonnull = element - missing
            nonmissing = unexpected / nonnull * 100 if nonnull > 0 else None
        else:
            nonmissing = total
    counts["unexpected_percent"] = nonmissing
    if missing is not None:
        counts.update(
            missing_count=missing,
            missing_percent=missing_share,
            unexpected_percent_total=total,
            unexpected_percent_nonmissing=nonmissing,
        )
    return counts


def _map_success(element: int, unexpected: int | None, missing: int | None, mostly: float) -> bool:
    """GX's rule: vacuously true without rows to judge, else the passing share must reach ``mostly``."""
    considered = element if missing is None else element - missing  # not-null checks judge every row
    if unexpected is None or element == 0 or considered == 0:
        return True
    return (float(considered) - float(unexpected)) / float(considered) >= mostly


def _between(value: float | None, kwargs: Mapping[str, Any]) -> bool:
    if value is None or math.isnan(value):
        return False
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if low is not None and (value <= low if kwargs.get("strict_min") else value < low):
        return False
    return not (high is not None and (value >= high if kwargs.get("strict_max") else value > high))


def _restate(result: Any, outcomes: list[ExpectationOutcome]) -> None:
    """The suite-level success and statistics of the combined outcomes."""
    passed = sum(1 for o in outcomes if o.success)
    result.success = passed == len(outcomes)
    result.statistics = {
        **(result.statistics or {}),
        "evaluated_expectations": len(outcomes),
        "successful_expectations": passed,
        "unsuccessful_expectations": len(outcomes) - passed,
        "success_percent": passed / len(outcomes) * 100 if outcomes else None,
    }


def _make_context(gx: ModuleType, docs_dir: Path | None) -> Any:
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites: dict[str, Any] = {}
    if docs_dir is not None:
        sites[_DOCS_SITE] = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    config = DataContextConfig(
        # init_temp_docs_sites=False: no default "local_site" in a temp directory.
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        data_docs_sites=sites,
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def _build_suite(gx: ModuleType, context: Any, suite_name: str, expectations: list[Any]) -> Any:
    suite = gx.ExpectationSuite(name=suite_name)  # filled first, then stored once (not once per expectation)
    for expectation in expectations:
        before = len(suite.expectations)
        suite.add_expectation(expectation)
        if len(suite.expectations) == before:
            # GX suites are set-like: an expectation equal to an earlier one (meta, notes and
            # id ignored) is silently dropped. Our descriptions carry the key, so this is a guard.
            raise GXRunError(f"expectation {expectation.meta['key']!r} duplicates an earlier one; GX would drop it")
    return context.suites.add(suite)


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _build_docs(context: Any, result: Any, suite_name: str) -> None:
    """Render Data Docs for this one (sanitised) validation result and its suite."""
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
    )

    store = context.validation_results_store
    keys = list(store.list_keys())
    if len(keys) != 1:
        raise GXRunError(f"expected one stored validation result, found {len(keys)}")
    # ValidationDefinition.run stored the raw result; replace it with the sanitised one.
    store.set(keys[0], result)
    context.build_data_docs(
        site_names=[_DOCS_SITE],
        resource_identifiers=[keys[0], ExpectationSuiteIdentifier(name=suite_name)],
    )
    # GX logs (does not raise) page-level rendering failures and then skips the page.
    urls = context.get_docs_sites_urls(resource_identifier=keys[0], site_names=[_DOCS_SITE], only_if_exists=True)
    if not urls or not urls[0].get("site_url"):
        raise GXRunError(f"GX did not render the Data Docs validation page of {suite_name!r}")
