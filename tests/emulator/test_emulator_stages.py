"""`$stage` with pipelines (decision 27), in both API modes: the default fixture's "New business"
(the default) and "Renewals" share the labels `Closed Won` and `Closed Lost`. Label writes fall
back to the default pipeline, a `$pipeline` hint (ID or name) picks another, option IDs always
work; filters never fall back; the errors carry their documented details."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from ruamel.yaml import YAML

from lfsync.emulator import EmulatorConfig
from lfsync.emulator.fixture import DEFAULT_ORG_FIXTURE

from .emulator_helpers import create, error_details, error_of, value

pytestmark = pytest.mark.anyio

NEW_BUSINESS = ("Discovery", "Proposal", "Negotiation", "Closed Won", "Closed Lost")
RENEWALS = ("Renewal review", "Closed Won", "Closed Lost")


async def definitions(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/v1/opportunities/definitions")
    assert response.status_code == 200
    return response.json()


async def pipeline_ids(client: httpx.AsyncClient) -> dict[str, str]:
    fields = (await definitions(client))["fieldDefinitions"]
    return {option["label"]: option["id"] for option in fields["$pipeline"]["typeConfiguration"]["options"]}


async def stage_ids(client: httpx.AsyncClient) -> dict[tuple[str, str], str]:
    """(pipeline name, stage label) -> option ID."""
    names = {pid: name for name, pid in (await pipeline_ids(client)).items()}
    fields = (await definitions(client))["fieldDefinitions"]
    return {(names[o["parentId"]], o["label"]): o["id"] for o in fields["$stage"]["typeConfiguration"]["options"]}


async def write(client: httpx.AsyncClient, account_id: str, fields: dict[str, Any]) -> httpx.Response:
    return await client.post("/v1/opportunities", json={"fields": {"$name": "Deal", **fields},
                                                        "relationships": {"$account": account_id}})


async def test_definitions_describe_two_pipelines_and_a_dependent_stage_select(connect) -> None:
    client = connect()
    wire = await definitions(client)
    assert wire["objectType"] == "opportunity"
    pipeline, stage = wire["fieldDefinitions"]["$pipeline"], wire["fieldDefinitions"]["$stage"]
    assert pipeline["valueType"] == stage["valueType"] == "SINGLE_SELECT"
    pipelines = pipeline["typeConfiguration"]["options"]
    assert [p["label"] for p in pipelines] == ["New business", "Renewals"]
    assert all(p["id"].startswith("pd_") for p in pipelines)
    assert stage["typeConfiguration"]["parentFieldKey"] == "$pipeline"
    by_pipeline = {p["id"]: [o["label"] for o in stage["typeConfiguration"]["options"] if o["parentId"] == p["id"]]
                   for p in pipelines}
    assert list(by_pipeline.values()) == [list(NEW_BUSINESS), list(RENEWALS)]
    assert len({o["id"] for o in stage["typeConfiguration"]["options"]}) == len(NEW_BUSINESS) + len(RENEWALS)
    relationships = wire["relationshipDefinitions"]
    assert relationships["$account"]["cardinality"] == "HAS_ONE" and relationships["$account"]["objectType"] == "account"
    assert relationships["$evaluator"]["cardinality"] == "HAS_MANY"
    contacts = (await client.get("/v1/contacts/definitions")).json()
    assert contacts["objectType"] == "contact" and "$pipeline" not in contacts["fieldDefinitions"]
    assert contacts["relationshipDefinitions"]["$account"]["cardinality"] == "HAS_MANY"


@pytest.mark.parametrize(
    "fields, pipeline, label",
    [
        ({"$stage": "Closed Won"}, "New business", "Closed Won"),  # a shared label: the default pipeline
        ({"$stage": "  closed   WON "}, "New business", "Closed Won"),  # case and whitespace folded
        ({"$stage": "Closed Won", "$pipeline": "Renewals"}, "Renewals", "Closed Won"),
        ({"$stage": "closed lost", "$pipeline": "RENEWALS"}, "Renewals", "Closed Lost"),
        ({"$stage": "Renewal review", "$pipeline": "PD:Renewals"}, "Renewals", "Renewal review"),
        ({"$stage": "OPT:Renewals:Closed Won"}, "Renewals", "Closed Won"),  # an option ID implies its pipeline
        ({"$stage": "OPT:New business:Closed Lost", "$pipeline": "PD:New business"}, "New business", "Closed Lost"),
    ],
)
async def test_stage_writes_that_resolve(connect, fields, pipeline, label) -> None:
    client = connect()
    account = await create(client)
    pipelines, stages = await pipeline_ids(client), await stage_ids(client)
    resolved = {key: _placeholders(text, pipelines, stages) for key, text in fields.items()}
    response = await write(client, account["id"], resolved)
    assert response.status_code == 200, response.text
    record = response.json()
    assert value(record, "$stage") == stages[(pipeline, label)]
    assert "$pipeline" not in record["fields"]  # a hint, not stored


@pytest.mark.parametrize(
    "fields, code, param, details",
    [
        ({"$stage": "Renewal review"}, "stage_unresolved_in_pipeline", "fields.$stage",
         {"pipelineId": "PD:New business", "candidates": [("Renewals", "Renewal review")]}),
        ({"$stage": "Discovery", "$pipeline": "Renewals"}, "stage_unresolved_in_pipeline", "fields.$stage",
         {"pipelineId": "PD:Renewals", "candidates": [("New business", "Discovery")]}),
        ({"$stage": "OPT:New business:Proposal", "$pipeline": "PD:Renewals"}, "stage_unresolved_in_pipeline",
         "fields.$stage", {"pipelineId": "PD:Renewals", "candidates": [("New business", "Proposal")]}),
        ({"$stage": "Won", "$pipeline": "Renewals"}, "stage_unresolved_in_pipeline", "fields.$stage",
         {"pipelineId": "PD:Renewals", "candidates": []}),
        ({"$stage": "Discovery", "$pipeline": "pd_c00000000000000000000"}, "unknown_pipeline", "fields.$pipeline",
         {"activePipelineIds": ["PD:New business", "PD:Renewals"]}),
        ({"$stage": "Discovery", "$pipeline": "Expansion"}, "unknown_pipeline", "fields.$pipeline",
         {"activePipelineIds": ["PD:New business", "PD:Renewals"]}),
        ({"$pipeline": "Renewals", "$stage": None}, "parameter_missing", "fields.stage", {}),
        ({"$stage": "opt_c00000000000000000000"}, "referenced_resource_missing", "fields.$stage", {}),
    ],
)
async def test_stage_writes_refused_with_their_documented_details(connect, fields, code, param, details) -> None:
    client = connect()
    account = await create(client)
    pipelines, stages = await pipeline_ids(client), await stage_ids(client)
    resolved = {key: _placeholders(text, pipelines, stages) for key, text in fields.items()}
    response = await write(client, account["id"], resolved)
    assert error_of(response) == (422, code, param)
    error = error_details(response)
    for key, expected in details.items():
        if key == "candidates":
            assert [(c["pipelineName"], c["stageLabel"]) for c in error[key]] == expected
            assert all(c["stageOptionId"] == stages[(c["pipelineName"], c["stageLabel"])] for c in error[key])
        elif isinstance(expected, list):
            assert error[key] == [_placeholders(e, pipelines, stages) for e in expected]
        else:
            assert error[key] == _placeholders(expected, pipelines, stages)


async def test_a_hint_alone_is_refused_on_update_and_a_label_moves_pipelines(connect) -> None:
    client = connect()
    account = await create(client)
    deal = (await write(client, account["id"], {"$stage": "Negotiation"})).json()
    hint_only = await client.post(f"/v1/opportunities/{deal['id']}", json={"fields": {"$pipeline": "Renewals"}})
    assert error_of(hint_only) == (422, "parameter_missing", "fields.stage")
    moved = await client.post(f"/v1/opportunities/{deal['id']}",
                              json={"fields": {"$stage": "Renewal review", "$pipeline": "Renewals"}})
    assert value(moved.json(), "$stage") == (await stage_ids(client))[("Renewals", "Renewal review")]


async def test_opportunity_status_follows_the_stage(connect) -> None:
    client = connect()
    account = await create(client)
    status_labels = {o["id"]: o["label"] for o in
                     (await definitions(client))["fieldDefinitions"]["$opportunityStatus"]["typeConfiguration"]["options"]}
    deal = (await write(client, account["id"], {"$stage": "Proposal"})).json()
    assert status_labels[value(deal, "$opportunityStatus")] == "Open"
    for stage, pipeline, expected in (("Closed Won", "Renewals", "Won"), ("closed lost", "New business", "Lost")):
        updated = await client.post(f"/v1/opportunities/{deal['id']}", json={"fields": {"$stage": stage, "$pipeline": pipeline}})
        assert status_labels[value(updated.json(), "$opportunityStatus")] == expected


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"$pipeline": "PD:Renewals"}, ["renewal-won", "renewal-review"]),
        ({"$pipeline[-equal]": "PD:Renewals"}, ["new-won", "discovery"]),
        ({"$stage": "Closed Won", "$pipeline[equal]": "PD:Renewals"}, ["renewal-won"]),
        ({"$stage": "closed won", "$pipeline": "PD:New business"}, ["new-won"]),
        ({"$stage": "Renewal review"}, ["renewal-review"]),  # in one pipeline only: no hint needed
        ({"$stage": "OPT:Renewals:Closed Won"}, ["renewal-won"]),
        ({"$stage": "OPT:Renewals:Closed Won", "$pipeline": "PD:New business"}, []),  # AND-ed: nothing
        ({"$stage[-equal]": "OPT:New business:Discovery"}, ["renewal-won", "renewal-review", "new-won"]),
    ],
)
async def test_stage_and_pipeline_filters(connect, params, expected) -> None:
    client = connect()
    account = await create(client)
    for name, fields in (("discovery", {"$stage": "Discovery"}), ("new-won", {"$stage": "Closed Won"}),
                         ("renewal-review", {"$stage": "Renewal review", "$pipeline": "Renewals"}),
                         ("renewal-won", {"$stage": "Closed Won", "$pipeline": "Renewals"})):
        assert (await write(client, account["id"], {**fields, "$name": name})).status_code == 200
    pipelines, stages = await pipeline_ids(client), await stage_ids(client)
    response = await client.get("/v1/opportunities", params={k: _placeholders(v, pipelines, stages) for k, v in params.items()})
    assert response.status_code == 200, response.text
    assert [value(record, "$name") for record in response.json()["data"]] == expected


@pytest.mark.parametrize(
    "params, code, param",
    [
        ({"$stage": "Closed Won"}, "ambiguous_stage_label", "$stage"),  # filters never fall back
        ({"$stage": "Closed Won", "$pipeline[-equal]": "PD:Renewals"}, "ambiguous_stage_label", "$stage"),
        ({"$stage": "Signed"}, "ambiguous_stage_label", "$stage"),  # a label of no pipeline: no candidates
        ({"$stage": "Discovery", "$pipeline": "PD:Renewals"}, "stage_unresolved_in_pipeline", "$stage"),
        ({"$pipeline": "Renewals"}, "unknown_pipeline", "$pipeline"),  # names are write hints only
        ({"$pipeline": "PD:Renewals", "$pipeline[equal]": "PD:New business"}, "invalid_type", "$pipeline[equal]"),
    ],
)
async def test_stage_filters_refused(connect, params, code, param) -> None:
    client = connect()
    pipelines, stages = await pipeline_ids(client), await stage_ids(client)
    response = await client.get("/v1/opportunities", params={k: _placeholders(v, pipelines, stages) for k, v in params.items()})
    assert error_of(response) == (400, code, param)
    error = error_details(response)
    if code == "ambiguous_stage_label":
        expected = 0 if params["$stage"] == "Signed" else 2
        assert len(error["candidates"]) == expected
    if code == "unknown_pipeline":
        assert error["activePipelineIds"] == list(pipelines.values())


@pytest.fixture(scope="module")
def no_default_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default organisation with no default pipeline."""
    yaml = YAML(typ="safe")
    data = yaml.load(DEFAULT_ORG_FIXTURE.read_text(encoding="utf-8"))
    for pipeline in data["opportunities"]["pipelines"]:
        pipeline.pop("default", None)
    path = tmp_path_factory.mktemp("org") / "no-default.yaml"
    with path.open("w", encoding="utf-8") as file:
        yaml.dump(data, file)
    return path


async def test_without_a_default_pipeline_a_shared_label_write_is_ambiguous(connect, api_mode, no_default_fixture) -> None:
    client = connect(EmulatorConfig(org_fixture=no_default_fixture, docs_literal=api_mode == "docs-literal"))
    account = await create(client)
    ambiguous = await write(client, account["id"], {"$stage": "Closed Won"})
    assert error_of(ambiguous) == (422, "ambiguous_stage_label", "fields.$stage")
    assert sorted(c["pipelineName"] for c in error_details(ambiguous)["candidates"]) == ["New business", "Renewals"]
    assert (await write(client, account["id"], {"$stage": "Renewal review"})).status_code == 200  # one stage only
    assert (await write(client, account["id"], {"$stage": "Closed Won", "$pipeline": "Renewals"})).status_code == 200
    unknown = await write(client, account["id"], {"$stage": "Signed"})
    assert error_of(unknown) == (422, "ambiguous_stage_label", "fields.$stage")
    assert error_details(unknown)["candidates"] == []


def _placeholders(text: Any, pipelines: dict[str, str], stages: dict[tuple[str, str], str]) -> Any:
    """`PD:<pipeline>` and `OPT:<pipeline>:<stage>` replaced by the IDs the definitions give."""
    if not isinstance(text, str):
        return text
    if text.startswith("PD:"):
        return pipelines[text[3:]]
    if text.startswith("OPT:"):
        pipeline, _, label = text[4:].partition(":")
        return stages[(pipeline, label)]
    return text


@pytest.fixture(scope="module")
def retired_renewals_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default organisation with "Renewals" retired (`active: false`)."""
    yaml = YAML(typ="safe")
    data = yaml.load(DEFAULT_ORG_FIXTURE.read_text(encoding="utf-8"))
    next(p for p in data["opportunities"]["pipelines"] if p["name"] == "Renewals")["active"] = False
    path = tmp_path_factory.mktemp("org") / "retired.yaml"
    with path.open("w", encoding="utf-8") as file:
        yaml.dump(data, file)
    return path


async def test_a_retired_pipeline_leaves_definitions_and_its_stage_ids_are_unresolved(connect, api_mode, retired_renewals_fixture) -> None:
    active = await stage_ids(connect())  # the IDs as the organisation gave them before "Renewals" was retired
    client = connect(EmulatorConfig(org_fixture=retired_renewals_fixture, docs_literal=api_mode == "docs-literal"))
    assert list(await pipeline_ids(client)) == ["New business"]
    assert {pipeline for pipeline, _ in await stage_ids(client)} == {"New business"}
    account = await create(client)
    unresolved = await write(client, account["id"], {"$stage": active[("Renewals", "Closed Won")]})
    assert error_of(unresolved) == (422, "stage_unresolved_in_pipeline", "fields.$stage")
    details = error_details(unresolved)
    assert [(c["pipelineName"], c["stageOptionId"]) for c in details["candidates"]] == [
        ("New business", active[("New business", "Closed Won")])
    ]
    hinted = await write(client, account["id"], {"$stage": "Closed Won", "$pipeline": "Renewals"})
    assert error_of(hinted) == (422, "unknown_pipeline", "fields.$pipeline")
    assert error_details(hinted)["activePipelineIds"] == list((await pipeline_ids(client)).values())
    assert (await write(client, account["id"], {"$stage": "Closed Won"})).status_code == 200  # the default pipeline's
