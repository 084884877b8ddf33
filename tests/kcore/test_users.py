"""User names: one rule for every way a name arrives, and when two names are one person."""

from __future__ import annotations

from pathlib import Path

import pytest

from kcore.config import load_settings
from kcore.errors import BadInput
from kcore.users import check_user_name, is_user_name, same_user


@pytest.mark.parametrize("name", ["kim", "김철수", "kim.cs@example.org", "auditor-kim", "a" * 128, "Lee Ji-eun"])
def test_names_people_have_pass_stripped(name: str) -> None:
    assert check_user_name(f" {name} ") == name and is_user_name(name)


@pytest.mark.parametrize(
    "name",
    [
        *["", "   ", "a" * 129, "kim,lee", "kim\n2026-12-06 lee", "kim\x1b[2J", "kim\u200b", "ki\u202em", "\ufeffkim"],
        "stew\ufe0f",
        "stew\u3164",
        "s\u034ftew",
        "stew\U000e0041",
        "bob\u20282026 admin",
        "st\u00a0ew",
        "stew\u2800",
    ],
)
def test_control_invisible_and_list_characters_are_refused(name: str) -> None:
    with pytest.raises(BadInput, match="USER"):
        check_user_name(name)
    assert not is_user_name(name.strip())  # the web app's proxy header and login: the same rule


def test_case_and_width_variants_are_one_person() -> None:
    assert same_user("choi", "CHOI") and same_user("choi", "ｃｈｏｉ") and same_user("Straße", "STRASSE")
    assert not same_user("choi", "choi2") and not same_user("김철수", "김철")


def test_kdata_user_is_checked_where_settings_are_read(tmp_path: Path) -> None:
    env = {"KDATA_HOME": str(tmp_path)}
    assert load_settings({**env, "KDATA_USER": " kim "}).user == "kim"
    with pytest.raises(BadInput, match="KDATA_USER"):
        load_settings({**env, "KDATA_USER": "eve\n2026-12-06 kim license open"})
