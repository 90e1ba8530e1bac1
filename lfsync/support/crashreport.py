"""What a bug in lfsync leaves behind: a crash report (versions, platform, command line,
traceback) under the project's `.lfsync/` folder, with every secret lfsync can know of replaced.

Secrets are redacted by value, wherever they appear in the report: the API key (from
LIGHTFIELD_API_KEY, the file LIGHTFIELD_API_KEY_FILE names, or the variables `workspaces:` name
in lfsync.yaml) and the database password (from a PostgreSQL connection string in LFSYNC_BACKEND
or lfsync.yaml, in any form lfsync.support.secrets knows, or PGPASSWORD), and whatever else this
run read and remembered there.
"""

from __future__ import annotations

import os
import platform
import shlex
import sys
import traceback
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping

from lfsync import __version__
from lfsync.errors import display_path
from lfsync.support import secrets as secret_values
from lfsync.support.secretfile import SecretFileError, read_secret_file
from lfsync.support.secrets import REDACTED, Redactor

__all__ = ["REDACTED", "Redactor", "Written", "known_secrets", "redactor", "write_report"]
REPORT_DIR = ".lfsync"  # lfsync.config.project.LOCAL_DIR: the project's own folder for lfsync's files
SETTINGS_FILE = "lfsync.yaml"
API_KEY_FILE_VARIABLE = "LIGHTFIELD_API_KEY_FILE"


@dataclass(frozen=True)
class Written:
    """Where the report went (`path`), or why it could not be written (`problem`)."""

    path: Path | None
    problem: str | None = None

    def note(self) -> str:
        """The part of the one-line error message that names the report."""
        if self.path is not None:
            return f"crash report: {display_path(self.path)}"
        return f"no crash report ({self.problem})"


def project_directory(arguments: list[str], cwd: Path) -> Path:
    """The project a command line names (the first argument that is a folder with lfsync.yaml),
    else the current directory (every command's DIR defaults to it)."""
    for argument in arguments:
        candidate = cwd / argument
        try:
            if (candidate / SETTINGS_FILE).is_file():
                return candidate
        except (OSError, ValueError):  # a name too long for the file system, a NUL character
            continue
    return cwd


def known_secrets(env: Mapping[str, str], project: Path | None) -> list[str]:
    """Every secret value this run could have read: the API keys and the database passwords."""
    secrets = secret_values.environment_secrets(env)
    if key_file := env.get(API_KEY_FILE_VARIABLE):
        secrets.extend(_file_secret(Path(key_file)))
    settings = _settings(project / SETTINGS_FILE) if project is not None else {}
    backend = settings.get("backend")
    if isinstance(backend, str):
        secrets.extend(secret_values.dsn_passwords(backend))
    workspaces = settings.get("workspaces")
    for entry in workspaces.values() if isinstance(workspaces, dict) else ():
        variable = entry.get("api_key_env") if isinstance(entry, dict) else None
        if isinstance(variable, str):
            secrets.append(env.get(variable, ""))
    return [secret for secret in secrets if secret]


def _file_secret(path: Path) -> list[str]:
    try:
        text = read_secret_file(str(path), API_KEY_FILE_VARIABLE)
    except SecretFileError:  # not a regular file, too large, unreadable: connection refused it too
        return []
    # the key as connection.api_key_from reads it, and without any surrounding white space
    return [text, text.strip()]


def _settings(path: Path) -> dict:
    """lfsync.yaml read leniently (it may be the very thing that failed): {} when unreadable."""
    try:
        from ruamel.yaml import YAML

        document = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    except Exception:  # any reason at all: a crash report must not fail over the settings
        return {}
    return document if isinstance(document, dict) else {}


def report_text(failure: BaseException, arguments: list[str], now: datetime) -> str:
    """The report as written, before redaction."""
    lines = [
        "lfsync crash report",
        f"time: {now.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        f"lfsync: {__version__}",
        f"python: {sys.version.replace(chr(10), ' ')} ({sys.executable})",
        f"platform: {platform.platform()}",
        f"command: {shlex.join(['lfsync', *arguments])}",
        f"working directory: {os.getcwd()}",
        "",
        "".join(traceback.format_exception(type(failure), failure, failure.__traceback__)).rstrip("\n"),
        "",
    ]
    return "\n".join(lines)


def redactor(arguments: list[str], env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Redactor:
    """A Redactor for every secret a run of `lfsync ARGUMENTS` could know."""
    env = os.environ if env is None else env
    cwd = Path.cwd() if cwd is None else cwd
    return Redactor([*known_secrets(env, project_directory(arguments, cwd)), *secret_values.known().secrets])


def write_report(
    failure: BaseException, arguments: list[str], env: Mapping[str, str] | None = None,
    cwd: Path | None = None, now: datetime | None = None,
) -> tuple[Written, Redactor]:
    """Write the crash report for `failure` in `lfsync ARGUMENTS` as `.lfsync/crash-<UTC time>-<pid>.log`
    in the project (the current directory when the command line names none); also the Redactor
    that made it safe, for whatever else is shown of the failure."""
    env = os.environ if env is None else env
    cwd = Path.cwd() if cwd is None else cwd
    now = datetime.now(timezone.utc) if now is None else now
    redact = redactor(arguments, env, cwd)
    folder = project_directory(arguments, cwd) / REPORT_DIR
    path = folder / f"crash-{now.strftime('%Y%m%dT%H%M%SZ')}-{os.getpid()}.log"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8", errors="backslashreplace") as report:
            report.write(redact(report_text(failure, arguments, now)))
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return Written(None, f"cannot write {display_path(folder)}: {reason}"), redact
    except Exception as error:  # the report's own bug must not hide the one it reports
        return Written(None, f"writing it failed: {type(error).__name__}"), redact
    return Written(path), redact
