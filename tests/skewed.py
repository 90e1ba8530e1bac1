"""Runners whose clocks are wrong: lfsync as a separate process under libfaketime, its clock moved
by a fixed offset (wall clock and monotonic alike, so it runs at the right speed from a wrong start).

libfaketime is a system library (Debian/Ubuntu: `libfaketime`); tests that need it are skipped,
saying so, where it is not installed. In-process tests skew the runner's clock by injection instead
(`ServerClock(local=...)`, a monkeypatched `utc_now`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from served import lfsync_env

HOUR = 3600
DAY = 24 * HOUR
FAKETIME_LIBRARY = next(
    (
        path
        for path in (
            Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"),
            Path("/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1"),
            Path("/usr/lib/faketime/libfaketime.so.1"),
            Path("/usr/local/lib/faketime/libfaketime.so.1"),
        )
        if path.exists()
    ),
    None,
)
requires_faketime = pytest.mark.skipif(
    FAKETIME_LIBRARY is None or not sys.platform.startswith("linux"),
    reason="libfaketime is not installed (apt-get install libfaketime): runner clocks cannot be skewed in a subprocess",
)


def skewed_env(base_url: str, offset_seconds: float) -> dict[str, str]:
    """lfsync's environment for `base_url`, with the process's clock `offset_seconds` off the machine's."""
    return {
        **lfsync_env(base_url),
        "LD_PRELOAD": str(FAKETIME_LIBRARY),
        "FAKETIME": f"{offset_seconds:+.0f}",
        "FAKETIME_NO_CACHE": "1",
    }


def start_skewed_apply(project: Path, base_url: str, offset_seconds: float, *flags: str) -> subprocess.Popen:
    """`lfsync apply --auto-approve` in a process whose clock is `offset_seconds` off."""
    return subprocess.Popen(
        [sys.executable, "-m", "lfsync", "apply", str(project), "--auto-approve", *flags],
        env=skewed_env(base_url, offset_seconds),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_skewed(command: list[str], base_url: str, offset_seconds: float, timeout: float = 120) -> subprocess.CompletedProcess:
    """`command` run to its end in a process whose clock is `offset_seconds` off."""
    return subprocess.run(
        command, env=skewed_env(base_url, offset_seconds), stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=timeout,
    )
