"""``kdata`` on a pseudo-terminal, as a user at a terminal runs it (progress displays, terminal detection)."""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

__all__ = ["run_kdata_on_pty"]


def run_kdata_on_pty(
    args: list[str], *, stderr_on_pty: bool = True, env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[int, str, str]:
    """Run ``kdata ARGS`` with stdin, stdout (and stderr) on a pseudo-terminal of 40x160 (environment ``env``,
    default this process's); returns the exit code, what the terminal showed (CRLF as LF, escape codes kept)
    and stderr when it is a pipe."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    env = {**(os.environ if env is None else env), "TERM": "xterm-256color", "COLUMNS": "160"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "kdata", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave if stderr_on_pty else subprocess.PIPE,
        env=env,
        cwd=cwd,
        close_fds=True,
    )
    os.close(slave)
    received = bytearray()
    while True:
        ready, _, _ = select.select([master], [], [], 1.0)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            received += data
        elif proc.poll() is not None:
            break
    os.close(master)
    err = proc.stderr.read().decode("utf-8") if proc.stderr else ""
    code = proc.wait(timeout=120)
    text = received.decode("utf-8", "replace").replace("\r\n", "\n")
    return code, text, err
