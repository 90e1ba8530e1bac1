"""lfsync.yaml's settings as pydantic models, and what is wrong with a file of them: each problem
in the words users know, at the file:line:col the round-trip loader recorded for it."""

from __future__ import annotations

import re
import types
import typing
from typing import Annotated, Any, Union
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from lfsync.config import vars as vars_rules
from lfsync.config.globs import DEFAULT_DECLARATION_GLOBS, glob_problem
from lfsync.errors import DeclarationError, SourceLocation
from lfsync.kinds.catalogue import ACCOUNT
from lfsync.support.secrets import has_password, is_url, redact_dsn

LOCAL_TARGET = "local"
LOCAL_BACKEND = "local"
DEFAULT_WORKSPACE = "default"
DEFAULT_STATE_DIR = "state"
DEFAULT_IDENTITY = ACCOUNT.identity_field
POSTGRES_SCHEMES = ("postgresql", "postgres")
WORKSPACE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
ENV_VARIABLE_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

Problems = list[tuple[SourceLocation | None, str]]

# A rule of lfsync's own broke: its message is shown as it is ("{workspace}" becomes the workspace's name).
OWN_RULE = "lfsync_setting"
WORKSPACE = "{workspace}"


def _broken(message: str) -> PydanticCustomError:
    return PydanticCustomError(OWN_RULE, "{message}", {"message": message})


def _glob(pattern: Any) -> Any:
    if problem := glob_problem(pattern):
        raise _broken(problem)
    return pattern


def _workspace_name(name: str) -> str:
    if not WORKSPACE_PATTERN.fullmatch(name):
        raise _broken(f"workspace {name!r} is not a valid name (letters, digits, '_', '-', '.')")
    return name


def api_path_problem(target: str) -> str | None:
    """What is wrong with a target naming the API's `/v1` path: lfsync adds `/v1/...` itself, so such
    a target asked for `/v1/v1/auth/validate` (a "No route" error); None when it is a base URL."""
    if target == LOCAL_TARGET:
        return None
    try:
        parts = urlsplit(target)
    except ValueError:
        return None  # check_target_url says what is wrong with it
    path = parts.path.rstrip("/")
    if not path.endswith("/v1"):
        return None
    base = parts._replace(path=path.removesuffix("/v1"), query="", fragment="").geturl()
    return f"the target is the API's base URL without /v1: {base} (not {target})"


def _base_url(target: str) -> str:
    if problem := api_path_problem(target):
        raise _broken(problem)
    return target


def _ignored_names(names: Any) -> Any:
    """`ignore_changes:` in lfsync.yaml: a list of keys; `all` belongs to one account's declaration."""
    if names == "all":
        raise _broken(
            "ignore_changes: all would make every account create-only; lfsync.yaml names the fields and "
            "relationships people own, like [$owner] (`ignore_changes: all` is for one account's declaration)"
        )
    return names


def _ignored_name(name: str) -> str:
    if not name.strip() or name == "all":
        raise _broken("each item of ignore_changes names a field or relationship key, like tier or $owner")
    return name


DEFAULT_MAX_CHANGE_FRACTION = 0.3  # lfsync.plan.blast_radius: apply refuses a plan changing a larger share


def _fraction_problem(value: Any) -> str | None:
    """What is wrong with a max_change_fraction: a number from 0 to 1 (not a bool, NaN or a percentage)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"must be a number from 0 to 1 (the share of managed records one apply may update or delete, e.g. 0.3), not {value!r}"
    if not 0 <= value <= 1:  # NaN compares false both ways
        return f"must be a number from 0 to 1 (e.g. 0.3 for 30%), not {value!r}"
    return None


def _fraction(value: Any) -> float:
    if problem := _fraction_problem(value):
        raise _broken(f"'max_change_fraction' {problem}")
    return float(value)


def _workspace_fraction(value: Any) -> float | None:
    if value is not None and (problem := _fraction_problem(value)):
        raise _broken(f"'max_change_fraction' of workspace {WORKSPACE} {problem}")
    return None if value is None else float(value)


def _variable_name(name: str) -> str:
    if problem := vars_rules.name_problem(name):
        raise _broken(problem)
    return name


def _variable_value(value: Any) -> Any:
    if problem := vars_rules.value_problem(value):
        raise _broken(problem)
    return value


Glob = Annotated[Any, AfterValidator(_glob)]
IgnoredNames = Annotated[list[Annotated[str, AfterValidator(_ignored_name)]], BeforeValidator(_ignored_names)]
ChangeFraction = Annotated[Any, AfterValidator(_fraction)]
WorkspaceChangeFraction = Annotated[Any, AfterValidator(_workspace_fraction)]
Target = Annotated[str, AfterValidator(_base_url)]  # any value: glob_problem says what is wrong with it
WorkspaceName = Annotated[str, AfterValidator(_workspace_name)]
VariableName = Annotated[str, AfterValidator(_variable_name)]
# `vars:`: names and values as config/vars.py allows them, each refused at its own place
VariablesSetting = dict[VariableName, Annotated[Any, AfterValidator(_variable_value)]]


class WorkspaceSettings(BaseModel):
    """One entry of `workspaces:`: an organisation of its own, with the variable holding its key."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    target: Target = LOCAL_TARGET
    api_key_env: str | None = Field(default=None, validate_default=True)  # after target: it checks it
    owns_organisation: bool = False
    prune: bool | None = None  # None: the project's `prune:`
    ignore_changes: IgnoredNames | None = None  # None: the project's `ignore_changes:`
    max_change_fraction: WorkspaceChangeFraction = None  # None: the project's `max_change_fraction:`
    vars: VariablesSetting = Field(default_factory=dict)  # over the project's `vars:` of the same name

    @field_validator("api_key_env")
    @classmethod
    def _names_a_variable(cls, variable: str | None, info: ValidationInfo) -> str | None:
        if variable is None:
            target = info.data.get("target")
            if target is not None and target != LOCAL_TARGET:
                raise _broken(f"workspace {WORKSPACE} needs api_key_env: the environment variable holding its key")
        elif not ENV_VARIABLE_PATTERN.fullmatch(variable):
            raise _broken(
                f"api_key_env of workspace {WORKSPACE} must name an environment variable, like LF_KEY_DEMO_EU (never the key itself)"
            )
        return variable


class Settings(BaseModel):
    """lfsync.yaml: every setting optional (the order here is the order messages list them in)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    target: Target = LOCAL_TARGET
    workspace: str = DEFAULT_WORKSPACE
    state_dir: str = DEFAULT_STATE_DIR
    skip_enrichment: bool = False
    declarations: list[Glob] = Field(default_factory=lambda: list(DEFAULT_DECLARATION_GLOBS))
    identity: str = DEFAULT_IDENTITY
    backend: str = LOCAL_BACKEND
    owns_organisation: bool = False
    # plan and apply trash accounts no longer declared, as with --prune (destroy and reset aside)
    prune: bool = False
    # fields and relationships people own in Lightfield, for every account (lfsync.declare.ignorechanges)
    ignore_changes: IgnoredNames = Field(default_factory=list)
    # apply refuses a plan updating and deleting a larger share of the managed records (--allow-large-change)
    max_change_fraction: ChangeFraction = DEFAULT_MAX_CHANGE_FRACTION
    # `${vars.name}` in declaration values (lfsync.declare.substitution); a workspace's own replace these
    vars: VariablesSetting = Field(default_factory=dict)
    workspaces: dict[WorkspaceName, WorkspaceSettings] = Field(default_factory=dict)

    @field_validator("declarations")
    @classmethod
    def _not_empty(cls, globs: list) -> list:
        if not globs:
            raise _broken("'declarations' needs at least one glob")
        return globs

    @field_validator("backend")
    @classmethod
    def _usable_backend(cls, backend: str) -> str:
        if problem := backend_problem(backend, from_settings=True):
            raise _broken(problem)
        return backend

    @field_validator("identity")
    @classmethod
    def _names_a_field(cls, identity: str) -> str:
        if not identity.strip():
            raise _broken("'identity' must name a field, e.g. $name or a custom field slug")
        return identity


def backend_problem(backend: str, *, from_settings: bool) -> str | None:
    """What is wrong with a `backend` value: 'local' or a postgresql:// URL. A password belongs in
    PGPASSWORD or ~/.pgpass, or in a URL given through LFSYNC_BACKEND only: lfsync.yaml is committed.
    No message repeats a password, in any form a connection string can hold one."""
    if backend == LOCAL_BACKEND:
        return None
    if from_settings and has_password(backend):
        where = "URL contains a password" if is_url(backend) else "is a key=value connection string holding a password"
        return (
            f"the backend {where}: remove it and give it through PGPASSWORD or ~/.pgpass "
            "(or pass the whole URL in LFSYNC_BACKEND, which is not committed)"
        )
    try:
        url = urlsplit(backend)
        _ = url.port
    except ValueError:
        return "backend is not a valid URL: use 'local' or postgresql://host[:port]/database"
    if url.scheme not in POSTGRES_SCHEMES:
        return f"backend must be 'local' or a PostgreSQL URL (postgresql://host[:port]/database), not {redact_dsn(backend)!r}"
    return None


def read_settings(shown: str, document: dict) -> Settings:
    """The settings of an lfsync.yaml mapping as loaded (with positions); DeclarationError names
    every problem, each at its file:line:col."""
    try:
        return Settings.model_validate(document)
    except ValidationError as invalid:
        raise DeclarationError(settings_problems(shown, document, invalid)) from None


def settings_problems(shown: str, document: dict, invalid: ValidationError) -> Problems:
    errors = invalid.errors()
    # a workspace whose name is wrong is not looked into (its entry is checked once it is renamed)
    misnamed = {error["loc"][1] for error in errors if _is_workspace_name(error["loc"])}
    return [
        (_position(shown, document, error["loc"]), _message(error))
        for error in errors
        if not (error["loc"][0] == "workspaces" and len(error["loc"]) > 1 and error["loc"][1] in misnamed)
        or _is_workspace_name(error["loc"])
    ]


def _is_workspace_name(loc: tuple) -> bool:
    return len(loc) == 3 and loc[0] == "workspaces" and loc[2] == "[key]"


def _message(error: ErrorDetails) -> str:
    """The words for one pydantic error, as lfsync has always said them."""
    loc, kind = error["loc"], error["type"]
    unknown = kind in ("extra_forbidden", "invalid_key")
    if loc[0] == "workspaces" and len(loc) > 1:
        name = loc[1]
        if _is_workspace_name(loc):
            return f"workspace {name!r} is not a valid name (letters, digits, '_', '-', '.')"
        if len(loc) == 2:
            return f"workspace {name!r} must be a mapping like {{target: https://api.lightfield.app, api_key_env: LF_KEY}}"
        if kind == OWN_RULE:
            return error["msg"].replace(WORKSPACE, repr(name))
        key = loc[2]
        if unknown:
            return f"unknown setting {key!r} of workspace {name!r} (known: {', '.join(WorkspaceSettings.model_fields)})"
        return f"setting {key!r} of workspace {name!r} must be a {_type_name(WorkspaceSettings, key)}"
    if kind == OWN_RULE:
        return error["msg"]
    key = loc[0]
    if unknown:
        return f"unknown setting {key!r} (known: {', '.join(Settings.model_fields)})"
    if len(loc) == 2 and isinstance(loc[1], int) and kind == "string_type":
        return f"setting {key!r} must be a list of text"
    return f"setting {key!r} must be a {_type_name(Settings, key)}"


def _type_name(model: type[BaseModel], key: Any) -> str:
    """`str`, `bool`, `list`, `dict`: the kind of value a setting takes (None aside)."""
    field = model.model_fields.get(key) if isinstance(key, str) else None
    annotation: Any = field.annotation if field is not None else object
    if typing.get_origin(annotation) in (Union, types.UnionType):
        annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    if typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    return str((typing.get_origin(annotation) or annotation).__name__)


def _position(shown: str, document: dict, loc: tuple) -> SourceLocation:
    """Where the setting at `loc` is written: its key, or a list's item; for a setting that is
    missing (a rule that needs it), the key of the mapping that lacks it."""
    from lfsync.config.yamlio import location

    path = loc[:-1] if loc[-1:] == ("[key]",) else loc
    node: Any = document
    for part in path[:-1]:
        node = node[part]
    last = path[-1]
    if isinstance(node, list) and isinstance(last, int):
        return location(shown, node, index=last)
    if isinstance(node, dict) and last in node:
        return location(shown, node, key=last)
    return _position(shown, document, path[:-1]) if len(path) > 1 else location(shown, document)
