"""benchmarks.common.run_child reports the child's own peak RSS, not the parent's."""

from __future__ import annotations

from benchmarks.common import run_child


def test_peak_rss_is_the_childs_own_not_the_parents():
    """Linux keeps the forking parent's high-water mark in ru_maxrss across execve: a small child of a
    big parent must still report a small peak, and a child that allocates must report that."""
    ballast = bytearray(400 * 1024 * 1024)
    for offset in range(0, len(ballast), 4096):
        ballast[offset] = 1  # touch every page: the parent's RSS is now over 400 MiB
    _, small, out = run_child("print('small')")
    _, big, _ = run_child("b = bytearray(200 * 1024 * 1024)\nfor i in range(0, len(b), 4096): b[i] = 1")
    del ballast
    assert out == "small\n"
    assert small < 150
    assert 200 < big < 400
