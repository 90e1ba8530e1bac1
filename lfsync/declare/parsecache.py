"""A content-addressed cache of per-file results under `<project>/.lfsync/parse-cache/`.

Its layers: a file's accounts as parsed and validated (lfsync.declare.declarations, in
lfsync.declare.cachecodec's form), and a file's values in canonical form for one organisation
(lfsync.values.check). The loader's own result is not
kept: a file's validation depends on nothing but its bytes and the code, so an entry of the parse
alone would never be read while a validated one exists. Each entry is keyed by SHA-256 over the
bytes and everything else the result depends on: lfsync's version, the loader's own source,
PyYAML's version, the loader settings, the source of the modules that compute the layer (and for
values, the organisation's digest). So an edited, renamed or deleted file, a new lfsync, changed
code or other limits can never be answered from an old entry; the file's name is not part of an
entry (positions are line and column only), which is what makes a renamed file with the same
bytes a hit that still reports its new name.

Entries are signed (HMAC-SHA256) with a key kept outside the project, in the user's cache
directory: a pull request that commits a forged `.lfsync/parse-cache/` entry cannot change what
a plan reads, and `marshal` only ever reads bytes this user's lfsync wrote. Any failure to read or
write the cache (no home directory, read-only project, full disk, a damaged entry) falls back to
parsing, silently: the cache changes nothing but speed. LFSYNC_NO_CACHE=1 turns it off.
"""

from __future__ import annotations

import hashlib
import hmac
import marshal
import os
import secrets
import sys
import time
from collections import Counter
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

import lfsync
from lfsync.config import switches
from lfsync.declare import yamldocument, yamlload, yamlscalars
from lfsync.declare.fakes import faker_version
from lfsync.declare.yamldocument import DOTTED_PATHS, ParsedDocument, PathWording
from lfsync.declare.yamlload import DEFAULT_SETTINGS, LoaderSettings, parse_text
from lfsync.support.utf8 import decode

CACHE_DIR = Path(".lfsync") / "parse-cache"
KEY_FILE = "parse-cache.key"
ENTRY_FORMAT = 2
MAX_ENTRY_AGE_SECONDS = 30 * 24 * 3600  # entries untouched this long are removed when new ones are written
TAG_BYTES = 32


def parse_bytes(
    data: bytes, shown: str, settings: LoaderSettings = DEFAULT_SETTINGS, wording: PathWording = DOTTED_PATHS
) -> ParsedDocument:
    """The loader without a cache."""
    return parse_text(decode(data, shown), shown, settings, wording)


class Uncached:
    """Finds nothing and keeps nothing, so every file is parsed and checked: the stand-in for a
    cache where none is wanted (and in tests), and ParseCache's interface."""

    def __init__(self, settings: LoaderSettings = DEFAULT_SETTINGS):
        self.settings = settings

    def entry_name(self, layer: str, data: bytes, modules: tuple[ModuleType, ...] = ()) -> str:
        return entry_name(self.settings, layer, data, modules)

    def read(self, layer: str, name: str) -> Any | None:
        return None

    def holds(self, name: str) -> bool:
        """Whether an entry by this name is there (read() may still find it unusable)."""
        return False

    def remember(self, name: str, plain: Any) -> None:
        pass

    def save(self) -> None:
        pass


class ParseCache(Uncached):
    """Per-file results, each in its own layer (`read`/`remember` with a name from `entry_name`).
    Entries are read as files are loaded and written by save(), which a caller calls only after
    a run without problems: a command refused for bad input writes nothing."""

    def __init__(self, directory: Path | None, secret: bytes | None, settings: LoaderSettings = DEFAULT_SETTINGS):
        super().__init__(settings)
        self.directory = directory
        self.secret = secret
        self.hits: Counter[str] = Counter()  # per layer
        self.misses: Counter[str] = Counter()
        self.pending: dict[str, Any] = {}

    @classmethod
    def for_project(cls, project_dir: Path, settings: LoaderSettings = DEFAULT_SETTINGS) -> ParseCache:
        """The project's cache; a disabled one with LFSYNC_NO_CACHE set."""
        if switches.no_cache():
            return cls(None, None, settings)
        secret = user_secret()
        return cls(project_dir / CACHE_DIR if secret else None, secret, settings)

    @property
    def enabled(self) -> bool:
        return self.directory is not None and self.secret is not None

    def read(self, layer: str, name: str) -> Any | None:
        """The plain data stored under `name`, or None (no entry, not signed by this user, damaged)."""
        found = self._read(name) if self.enabled else None
        (self.misses if found is None else self.hits)[layer] += 1
        return found

    def holds(self, name: str) -> bool:
        return self.directory is not None and self.secret is not None and (self.directory / name).is_file()

    def remember(self, name: str, plain: Any) -> None:
        """Keep `plain` (marshal-able data) under `name` when save() is called."""
        if self.enabled:
            self.pending[name] = plain

    def save(self) -> None:
        """Write the entries remembered since the last save (and remove long-unused ones)."""
        if not self.enabled or not self.pending:
            return
        pending, self.pending = self.pending, {}
        for name, plain in pending.items():
            if not self._write(name, plain):
                return
        self._prune()

    def _place(self) -> tuple[Path, bytes]:
        """The folder and the signing secret of an enabled cache (only those reach the file system)."""
        if self.directory is None or self.secret is None:
            raise RuntimeError("a disabled parse cache was asked to read or write its folder")
        return self.directory, self.secret

    def _read(self, name: str) -> Any | None:
        directory, secret = self._place()
        try:
            blob = (directory / name).read_bytes()
        except OSError:
            return None
        tag, body = blob[:TAG_BYTES], blob[TAG_BYTES:]
        if not hmac.compare_digest(tag, _sign(secret, name, body)):
            return None
        try:
            entry_format, plain = marshal.loads(body)
        except (EOFError, ValueError, TypeError):
            return None
        return plain if entry_format == ENTRY_FORMAT else None

    def _write(self, name: str, plain: Any) -> bool:
        """False when the cache folder cannot be written (then no further entry is tried)."""
        directory, secret = self._place()
        try:
            body = marshal.dumps((ENTRY_FORMAT, plain))
        except ValueError:  # not plain data: never expected, but then simply not cached
            return True
        try:
            self._ensure_directory()
            temporary = directory / f".{name}.{os.getpid()}.tmp"
            temporary.write_bytes(_sign(secret, name, body) + body)
            os.replace(temporary, directory / name)
        except OSError:
            return False
        return True

    def _ensure_directory(self) -> None:
        directory, _ = self._place()
        if directory.is_dir():
            return
        directory.mkdir(parents=True, exist_ok=True)
        # Never committed by accident, even in a project whose .gitignore does not list .lfsync/.
        (directory / ".gitignore").write_text("*\n", encoding="utf-8")

    def _prune(self) -> None:
        directory, _ = self._place()
        cutoff = time.time() - MAX_ENTRY_AGE_SECONDS
        try:
            entries = list(os.scandir(directory))
        except OSError:
            return
        for entry in entries:
            try:
                if not entry.name.startswith(".") and entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)
            except OSError:
                continue


def _sign(secret: bytes, name: str, body: bytes) -> bytes:
    return hmac.new(secret, name.encode() + b"\0" + body, hashlib.sha256).digest()


def entry_name(settings: LoaderSettings, layer: str, data: bytes, modules: tuple[ModuleType, ...] = ()) -> str:
    """The name of a layer's entry for `data`: SHA-256 over the loader's identity, the layer, the
    source of the modules its result depends on (so changed code misses) and the data. The same
    with a cache or without, so it can also name a file's content for a later layer."""
    return hashlib.sha256(loader_identity(settings) + layer.encode() + b"\0" + code_identity(modules) + data).hexdigest()


@lru_cache(maxsize=None)
def code_identity(modules: tuple[ModuleType, ...]) -> bytes:
    identity = hashlib.sha256()
    for module in modules:
        identity.update(Path(module.__file__ or "").read_bytes())
    return identity.digest()


@lru_cache(maxsize=None)
def loader_identity(settings: LoaderSettings) -> bytes:
    """Everything besides a file's bytes that its parse depends on, as a prefix for the entry key."""
    identity = hashlib.sha256()
    # faker: records of `generate:` blocks are cached too, and Faker's output changes between versions
    for part in (
        lfsync.__version__, sys.version, yaml.__version__, str(yamlload.HAVE_LIBYAML), settings.key(), str(ENTRY_FORMAT),
        faker_version(),
    ):
        identity.update(part.encode() + b"\0")
    for module in (yamlload, yamldocument, yamlscalars):
        # The loader's own source: a changed loader (even without a new version number) misses.
        identity.update(Path(module.__file__ or "").read_bytes())
    return identity.digest()


def user_cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lfsync"


def user_secret() -> bytes | None:
    """This user's key for signing cache entries, created on first use; None when it cannot be kept."""
    try:
        path = user_cache_home() / KEY_FILE
    except RuntimeError:  # no home directory to be found
        return None
    try:
        secret = path.read_bytes()
        if len(secret) >= 32:
            return secret
    except OSError:
        pass
    return _create_secret(path)


def _create_secret(path: Path) -> bytes | None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_bytes(32)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secret)
        return secret
    except FileExistsError:  # another lfsync created it meanwhile (or it is damaged: then no cache)
        try:
            secret = path.read_bytes()
        except OSError:
            return None
        return secret if len(secret) >= 32 else None
    except OSError:
        return None
