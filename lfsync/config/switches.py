"""Switches set in the environment (LFSYNC_NO_CACHE), read strictly: a value that is neither on
nor off is an error naming the variable, never a guess."""

from __future__ import annotations

import os
from typing import Mapping

from lfsync.errors import LfsyncError

NO_CACHE_VARIABLE = "LFSYNC_NO_CACHE"  # turns off the parse cache and the helper process
ON = ("1", "true", "yes", "on")
OFF = ("0", "false", "no", "off", "")  # unset and empty are off


def switch(name: str, env: Mapping[str, str] | None = None) -> bool:
    """Whether the environment variable `name` is on (any case, surrounding spaces ignored)."""
    env = os.environ if env is None else env
    value = env.get(name, "")
    spelled = value.strip().lower()
    if spelled in ON:
        return True
    if spelled in OFF:
        return False
    raise LfsyncError(f"{name}={value!r} is neither on ({', '.join(ON)}) nor off ({', '.join(OFF[:-1])}, or unset)")


def no_cache(env: Mapping[str, str] | None = None) -> bool:
    """LFSYNC_NO_CACHE: every file parsed and checked anew, by this process alone."""
    return switch(NO_CACHE_VARIABLE, env)
