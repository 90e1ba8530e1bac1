"""lfsync.yaml's settings (pydantic models in lfsync/config/settings.py): every problem in the
words users know, at the file:line:col it comes from, all of them at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from lfsync.config.project import load_project
from lfsync.config.settings import DEFAULT_IDENTITY, LOCAL_TARGET, Settings, WorkspaceSettings
from lfsync.errors import DeclarationError

KNOWN = "target, workspace, state_dir, skip_enrichment, declarations, identity, backend, owns_organisation, prune, ignore_changes, max_change_fraction, vars, workspaces"


def problems_of(tmp_path: Path, settings: str) -> list[str]:
    (tmp_path / "lfsync.yaml").write_text(settings)
    with pytest.raises(DeclarationError) as raised:
        load_project(tmp_path, env={})
    return [
        f"{problem.place.file.rsplit('/', 1)[-1]}:{problem.place.line}:{problem.place.column}: {problem.message}"
        if problem.place else problem.message
        for problem in raised.value.problems
    ]


def test_wrong_types_and_unknown_settings_are_each_named_where_they_are(tmp_path):
    assert problems_of(tmp_path, "target: 3\nworkspace: [x]\nstate_dir: null\nskip_enrichment: yes\nbogus: 1\n1: 2\n") == [
        "lfsync.yaml:1:1: setting 'target' must be a str",
        "lfsync.yaml:2:1: setting 'workspace' must be a str",
        "lfsync.yaml:3:1: setting 'state_dir' must be a str",
        "lfsync.yaml:4:1: setting 'skip_enrichment' must be a bool",  # YAML 1.2: `yes` is a string
        f"lfsync.yaml:5:1: unknown setting 'bogus' (known: {KNOWN})",
        f"lfsync.yaml:6:1: unknown setting 1 (known: {KNOWN})",
    ]


def test_rules_of_values_name_the_setting_or_the_list_item(tmp_path):
    assert problems_of(tmp_path, "identity: ' '\nbackend: postgresql://u:pw@h/db\ndeclarations: [a, '']\n") == [
        "lfsync.yaml:1:1: 'identity' must name a field, e.g. $name or a custom field slug",
        "lfsync.yaml:2:1: the backend URL contains a password: remove it and give it through PGPASSWORD or "
        "~/.pgpass (or pass the whole URL in LFSYNC_BACKEND, which is not committed)",
        "lfsync.yaml:3:19: each entry of 'declarations' must be a non-empty glob like 'accounts/**/*.yaml'",
    ]
    assert problems_of(tmp_path, "backend: mysql://x/y\n") == [
        "lfsync.yaml:1:1: backend must be 'local' or a PostgreSQL URL (postgresql://host[:port]/database), not 'mysql://x/y'",
    ]


def test_every_workspace_entry_is_checked_and_a_misnamed_one_only_for_its_name(tmp_path):
    settings = (
        "workspaces:\n"
        "  'bad name': {target: 5, zzz: 1}\n"
        "  1: {}\n"
        "  ok: null\n"
        "  ok2: [1]\n"
        "  ok3: {api_key_env: 'not a var'}\n"
        "  ok4: {api_key_env: 3, owns_organisation: 'x'}\n"
        "  ok5: {target: https://x.example}\n"
        "  ok6:\n    target: https://y.example\n    api_key_env: K\n"
        "  ok7: {}\n"
    )
    assert problems_of(tmp_path, settings) == [
        "lfsync.yaml:2:3: workspace 'bad name' is not a valid name (letters, digits, '_', '-', '.')",
        "lfsync.yaml:3:3: workspace 1 is not a valid name (letters, digits, '_', '-', '.')",
        "lfsync.yaml:4:3: workspace 'ok' must be a mapping like {target: https://api.lightfield.app, api_key_env: LF_KEY}",
        "lfsync.yaml:5:3: workspace 'ok2' must be a mapping like {target: https://api.lightfield.app, api_key_env: LF_KEY}",
        "lfsync.yaml:6:9: api_key_env of workspace 'ok3' must name an environment variable, like LF_KEY_DEMO_EU (never the key itself)",
        "lfsync.yaml:7:9: setting 'api_key_env' of workspace 'ok4' must be a str",
        "lfsync.yaml:7:25: setting 'owns_organisation' of workspace 'ok4' must be a bool",
        "lfsync.yaml:8:3: workspace 'ok5' needs api_key_env: the environment variable holding its key",
    ]


def test_an_unknown_workspace_setting_does_not_hide_a_missing_key_variable(tmp_path):
    assert problems_of(tmp_path, "workspaces:\n  eu: {target: https://api.lightfield.app, api_key: sk_secret}\n") == [
        "lfsync.yaml:2:3: workspace 'eu' needs api_key_env: the environment variable holding its key",
        "lfsync.yaml:2:44: unknown setting 'api_key' of workspace 'eu' (known: target, api_key_env, owns_organisation, prune, ignore_changes, max_change_fraction, vars)",
    ]


def test_valid_settings_reach_the_project(tmp_path):
    (tmp_path / "lfsync.yaml").write_text(
        "target: https://api.lightfield.example/\nworkspace: w\nstate_dir: s\nskip_enrichment: true\n"
        "declarations: ['a/*.yaml']\nidentity: tier\nowns_organisation: true\n"
        "workspaces: {eu: {target: https://eu.example, api_key_env: LF_EU}, lab: {}}\n"
    )
    project = load_project(tmp_path, env={})
    assert (project.target, project.workspace, project.state_dir) == ("https://api.lightfield.example", "w", tmp_path.resolve() / "s")
    assert (project.skip_enrichment, project.declaration_globs, project.identity) == (True, ("a/*.yaml",), "tier")
    assert project.owns_organisation and project.workspace_names == ("eu", "lab")
    eu = load_project(tmp_path, env={}, workspace="eu")
    assert (eu.target, eu.api_key_env, eu.owns_organisation, eu.from_workspaces) == ("https://eu.example", "LF_EU", False, True)
    lab = load_project(tmp_path, env={}, workspace="lab")
    assert (lab.target, lab.api_key_env) == (LOCAL_TARGET, None)


def test_an_empty_file_is_every_default():
    assert Settings() == Settings.model_validate({})
    assert Settings().identity == DEFAULT_IDENTITY and Settings().workspaces == {}
    assert WorkspaceSettings().target == LOCAL_TARGET


def test_passwords_in_every_connection_string_form_are_refused_and_not_shown(tmp_path):
    # libpq's query form and key=value DSNs, like a URL's user info (issue 23)
    for backend in ("postgresql://db/x?password=s3cret-pw", "host=db dbname=x password=s3cret-pw"):
        problems = problems_of(tmp_path, f"backend: '{backend}'\n")
        assert len(problems) == 1 and "password" in problems[0] and "PGPASSWORD" in problems[0], problems
        assert "s3cret-pw" not in problems[0]


@pytest.mark.parametrize("written", ["https://api.lightfield.app/v1", "https://api.lightfield.app/v1/"])
def test_a_target_naming_the_v1_path_is_refused_with_the_base_url_to_write(tmp_path, written):
    assert problems_of(tmp_path, f"target: {written}\n") == [
        f"lfsync.yaml:1:1: the target is the API's base URL without /v1: https://api.lightfield.app (not {written})",
    ]
    assert problems_of(tmp_path, f"workspaces:\n  eu:\n    target: {written}\n    api_key_env: LF_EU\n") == [
        f"lfsync.yaml:3:5: the target is the API's base URL without /v1: https://api.lightfield.app (not {written})",
    ]


def test_a_base_url_variable_naming_the_v1_path_is_refused_naming_the_variable(tmp_path, cli):
    (tmp_path / "lfsync.yaml").write_text("target: local\n")
    refused = cli("plan", tmp_path, env={"LIGHTFIELD_BASE_URL": "http://127.0.0.1:8787/v1", "LIGHTFIELD_API_KEY": "sk_lf_x"})
    assert refused.exit_code == 1
    assert refused.stderr == (
        "Error: LIGHTFIELD_BASE_URL: the target is the API's base URL without /v1: http://127.0.0.1:8787 "
        "(not http://127.0.0.1:8787/v1)\n"
    )
    assert load_project(tmp_path, env={"LIGHTFIELD_BASE_URL": "https://api.lightfield.app/v1beta"}).target.endswith("/v1beta")


def test_the_cli_refuses_a_v1_target_at_its_lfsync_yaml_line(tmp_path, cli):
    (tmp_path / "lfsync.yaml").write_text("workspace: demo\ntarget: https://api.lightfield.app/v1\n")
    refused = cli("plan", tmp_path, env={"LIGHTFIELD_API_KEY": "sk_lf_x"})
    assert refused.exit_code == 1
    assert "lfsync.yaml:2:1: the target is the API's base URL without /v1: https://api.lightfield.app" in refused.stderr
    assert "No route" not in refused.output
