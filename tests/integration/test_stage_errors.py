"""The API's stage answers (`ambiguous_stage_label`, `stage_unresolved_in_pipeline`,
`unknown_pipeline`) understood, in both API modes.

lfsync sends a stage as its option ID, checked against the live pipelines when it plans (a saved
plan is refused once they change), so through lfsync these answers come when the pipelines change
after that check: here an admin retires a pipeline (emulator decision 27, `active: false`) while
an apply runs, after its definitions were read and before its opportunity's create. The client
tests write the documented forms the API resolves itself (a label, a `$pipeline` hint) to provoke
each code, as another tool of the organisation would, and read them through lfsync's client.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from lfsync.api.client import LightfieldClient, RetryPolicy
from lfsync.api.errors import ApiError
from lfsync.api.stage_errors import MAX_TEXT, stage_error
from lfsync.emulator import EmulatorConfig, create_app
from lfsync.emulator.testing import DOCS_LITERAL, serve_in_thread
from lfsync.kinds.catalogue import ACCOUNT, OPPORTUNITY
from lfsync.operations.declared_project import load_declared
from lfsync.state.workspace import load_state

from wire import records_of

DEFAULT_ORG = (Path(__file__).resolve().parents[2] / "lfsync" / "emulator" / "default_org.yaml").read_text(encoding="utf-8")
RENEWALS = "    - name: Renewals\n      stages:"
RETIRED_RENEWALS = DEFAULT_ORG.replace(RENEWALS, "    - name: Renewals\n      active: false\n      stages:")
NO_DEFAULT = DEFAULT_ORG.replace("      default: true\n      stages: [Discovery", "      stages: [Discovery")
assert DEFAULT_ORG != RETIRED_RENEWALS and DEFAULT_ORG != NO_DEFAULT, "the default fixture's pipelines moved: edit these"
KEY = "sk_lf_local_dev"
FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.01)

GRAPH = """
    accounts:
      acme:
        fields: {$name: Acme}
    opportunities:
      discovery:
        fields: {$name: Acme discovery, $stage: Discovery}
        relationships: {$account: account.acme}
      renewal:
        fields:
          $name: Acme renewal
          $stage: Closed Won
          $pipeline: Renewals
        relationships:
          $account: account.acme
    """


def fixture_file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


class RetiresOnFirstDealWrite:
    """An ASGI front for the served emulator: at the first opportunity write it hands every request
    to `retired` (another emulator on the same database whose fixture retires a pipeline), as if an
    admin retired the pipeline while the apply ran: after its definitions were read and its plan
    checked, before the opportunity's create. Event-driven, so deterministic."""

    retired: object | None = None
    switched = False

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        cls = RetiresOnFirstDealWrite
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].startswith("/v1/opportunities"):
            cls.switched = True
        await (cls.retired if cls.switched and cls.retired is not None else self.app)(scope, receive, send)


def test_a_pipeline_retired_during_apply_fails_its_opportunity_alone_in_user_terms(make_project, cli, api_mode, tmp_path, monkeypatch, state_of):
    db = str(tmp_path / "served.db")
    literal = api_mode == DOCS_LITERAL
    retired = create_app(EmulatorConfig(db_path=db, docs_literal=literal, org_fixture=fixture_file(tmp_path, "retired.yaml", RETIRED_RENEWALS)))
    RetiresOnFirstDealWrite.retired, RetiresOnFirstDealWrite.switched = retired, False
    try:
        with serve_in_thread(EmulatorConfig(db_path=db, docs_literal=literal), middleware=RetiresOnFirstDealWrite) as url:
            monkeypatch.setenv("LIGHTFIELD_BASE_URL", url)
            monkeypatch.setenv("LIGHTFIELD_API_KEY", KEY)
            project = make_project({"graph.yaml": GRAPH}, settings="skip_enrichment: true\n")
            result = cli("apply", project, "--auto-approve")
            assert RetiresOnFirstDealWrite.switched
            stages = {record["fields"]["$name"]["value"]: record["fields"]["$stage"]["value"] for record in records_of(project, "opportunities")}
            resources = state_of(project)["resources"]
            journal = project / "state" / "default.journal.jsonl"
            pending = load_state(load_declared(project).project).pending
    finally:
        RetiresOnFirstDealWrite.retired, RetiresOnFirstDealWrite.switched = None, False
        retired.state.emulator.close()
    assert result.exit_code == 1, result.output
    said = " ".join((result.stdout + result.stderr).split())
    assert "opportunity.renewal (graph.yaml:" in said and "HTTP 422 stage_unresolved_in_pipeline (fields.$stage)" in said
    assert "is not an active stage of pipeline `Renewals`. The stage is not an active stage of pipeline pd_" in said
    assert "active stages with that label: 'Closed Won' (opt_" in said and "in pipeline 'New business' (pd_" in said
    assert "pin the stage with `$pipeline: <name or pd_ ID>` or write the stage's option ID, then run `lfsync plan` again" in said
    assert "retried" not in said  # a 422 is answered once: never sent again
    assert "Apply finished with errors: 2 created, 0 updated, 0 deleted, 1 failed." in said
    assert sorted(resources) == ["account.acme", "opportunity.discovery"]  # nothing else lost
    assert "Acme renewal" not in stages and "Acme discovery" in stages
    assert not pending and not journal.exists()  # the intent settled as failed, like any refused one


# --- each code, as lfsync's client reads it ------------------------------------------------------


def refused(tmp_path: Path, api_mode: str, fixture: str, fields: dict) -> ApiError:
    """The ApiError lfsync's client raises for an opportunity create with `fields`."""
    config = EmulatorConfig(docs_literal=api_mode == DOCS_LITERAL, org_fixture=fixture_file(tmp_path, "org.yaml", fixture))
    app = create_app(config)

    async def create() -> ApiError:
        transport = httpx.ASGITransport(app=app)
        async with LightfieldClient("http://emulator", KEY, transport=transport, read_retry=FAST_RETRY) as client:
            account = (await client.create(ACCOUNT, {"fields": {"$name": "Acme"}}, "k-account")).record
            assert account is not None
            body = {"fields": {"$name": "Deal", **fields}, "relationships": {"$account": account.id}}
            with pytest.raises(ApiError) as caught:
                await client.create(OPPORTUNITY, body, "k-deal")
            return caught.value

    try:
        return asyncio.run(create())
    finally:
        app.state.emulator.close()


def test_an_ambiguous_label_names_every_candidate_with_its_option_id(tmp_path, api_mode):
    error = refused(tmp_path, api_mode, NO_DEFAULT, {"$stage": "closed won"})
    assert (error.status, error.code, error.retryable) == (422, "ambiguous_stage_label", False)
    said = error.describe()
    assert "names stages of several pipelines, or of none" in said
    assert "'Closed Won' (opt_" in said and "in pipeline 'New business' (pd_" in said and "in pipeline 'Renewals' (pd_" in said
    assert "pin the stage with `$pipeline: <name or pd_ ID>`" in said


def test_an_unknown_pipeline_names_the_active_pipeline_ids(tmp_path, api_mode):
    error = refused(tmp_path, api_mode, RETIRED_RENEWALS, {"$stage": "Closed Won", "$pipeline": "Renewals"})
    assert (error.status, error.code, error.param, error.retryable) == (422, "unknown_pipeline", "fields.$pipeline", False)
    said = error.describe()
    assert "The pipeline named for `fields.$pipeline` is not an active pipeline of the organisation (active pipeline IDs: pd_" in said
    assert error.stage is not None and len(error.stage.active_pipeline_ids) == 1
    assert "then run `lfsync plan` again" in said


def test_a_label_not_in_the_hinted_pipeline_is_unresolved_there(tmp_path, api_mode):
    error = refused(tmp_path, api_mode, DEFAULT_ORG, {"$stage": "Renewal review", "$pipeline": "New business"})
    assert (error.code, error.retryable) == ("stage_unresolved_in_pipeline", False)
    assert error.stage is not None and error.stage.pipeline_id.startswith("pd_")
    assert "active stages with that label: 'Renewal review' (opt_" in error.describe() and "in pipeline 'Renewals'" in error.describe()


def test_stage_details_from_the_server_are_bounded_and_made_plain():
    hostile = {
        "candidates": [
            {"stageOptionId": "opt_\x1b[31mred", "stageLabel": "Won\nInjected: line", "pipelineId": "pd_x" * 50, "pipelineName": 7}
        ] * 40 + ["not a candidate", {"pipelineId": "pd_without_stage"}],
        "activePipelineIds": "pd_not_a_list",
        "pipelineId": ["pd_not_text"],
    }
    error = stage_error("stage_unresolved_in_pipeline", hostile)
    assert error is not None
    said = error.explain("fields.$stage")
    assert "\x1b" not in said and "\n" not in said and "Won\\nInjected: line" in said
    assert len(error.candidates) == 10 and error.more_candidates == 30 and "and 30 more" in said
    assert all(len(candidate.pipeline_id) <= MAX_TEXT for candidate in error.candidates)
    assert error.pipeline_id == "" and error.active_pipeline_ids == ()
    assert stage_error("invalid_type", hostile) is None
