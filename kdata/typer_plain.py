"""Plain command-line values without pydantic: Typer 0.29 coerces every parameter value through a pydantic
``TypeAdapter`` (``typer._adapters``), and importing that and building the adapters costs 0.2 s of each
``kdata`` command here (0.6 s without cached bytecode), more than the rest of ``kdata search`` or
``kdata sql``.

:func:`install` gives Typer's parameters a runtime coercion that answers two cases itself, with the very
values Typer's adapters give:

- a ``str`` parameter and a string value that is valid UTF-8: the string itself;
- an ``int`` parameter without ``min``/``max``/``clamp`` and an ``int`` value, or a string of ASCII
  digits in canonical form (``-?(0|[1-9][0-9]*)``): that integer;
- a ``bool`` parameter and a ``bool`` value: that value.

A missing value (``None``, e.g. of ``--help`` or an option not given) never reaches a coercion: Typer's
``RuntimeParam.coerce`` returns it first, but Typer built the pydantic adapter before asking.

Every other case (paths, floats, bounded or clamped numbers, lists, a bad value and its error message)
goes to Typer's own coercion, built on first need. ``tests/cli/test_cli_imports.py`` checks both that the
plain commands no longer import pydantic and that both coercions agree. Uses Typer's private
``_TyperParameter.get_runtime_param`` / ``RuntimeParam``: if a Typer upgrade moves them, :func:`install`
leaves Typer as it is (correct, only slower), and that test fails to say so.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["install", "installed"]

_CANONICAL_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_UNANSWERED = object()
_installed = False


def _plain(annotation: Any, value: Any) -> Any:
    """The coerced value, or ``_UNANSWERED`` when Typer's own coercion must decide."""
    if annotation is str and type(value) is str:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates of undecodable argv bytes: Typer decides
            return _UNANSWERED
        return value
    if annotation is bool and type(value) is bool:
        return value
    if annotation is int:
        if type(value) is int:
            return value
        if type(value) is str and _CANONICAL_INT.fullmatch(value):
            return int(value)
    return _UNANSWERED


def _plain_kind(param: Any) -> bool:
    """Whether ``param`` is a single ``str``, ``bool`` or unbounded ``int`` value with nothing else attached."""
    descriptor = param.type_descriptor
    info = descriptor.parameter_info
    return (
        descriptor.annotation in (str, int, bool)
        and descriptor.file_annotation is None
        and getattr(info, "parser", None) is None
        and getattr(info, "min", None) is None
        and getattr(info, "max", None) is None
        and not getattr(info, "clamp", False)
        and not param.multiple
        and param.nargs == 1
    )


def install() -> bool:
    """Give Typer's parameters the plain coercion above; False when this Typer has no such hook."""
    global _installed
    if _installed:
        return True
    try:
        from dataclasses import dataclass

        from typer import core
        from typer._coercion import RuntimeParam, build_runtime_param

        parameter_class = core._TyperParameter
        original = parameter_class.get_runtime_param
    except (ImportError, AttributeError):
        return False

    @dataclass(frozen=True)
    class PlainRuntimeParam(RuntimeParam):
        descriptor: Any = None

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            answer = _plain(self.annotation, value)
            if answer is not _UNANSWERED:
                return answer
            return build_runtime_param(self.descriptor)._coerce_value(value, param=param, ctx=ctx)

    def get_runtime_param(self: Any) -> Any:
        if self._runtime_param is None and _plain_kind(self):
            descriptor = self.type_descriptor
            self._runtime_param = PlainRuntimeParam(
                parameter_info=descriptor.parameter_info, annotation=descriptor.annotation, descriptor=descriptor
            )
        return original(self)

    parameter_class.get_runtime_param = get_runtime_param  # type: ignore[method-assign]
    _installed = True
    return True


def installed() -> bool:
    return _installed
