"""An opportunity's `$stage` against its pipelines (lightfield-api-objects.md "Pipelines"): a
stage is an option of a select that depends on `$pipeline`, each option's `parentId` naming its
pipeline. A label (any case, whitespace collapsed) or an option ID is accepted; the definitions
do not say which pipeline is the default, so a label that several pipelines share is refused
unless a `$pipeline` hint (a pipeline ID or name) or an option ID pins it. The canonical value is
the stage's option ID, which implies its pipeline: the hint itself is not stored, never compared."""

from __future__ import annotations

from typing import Any

from lfsync.api.records import SelectOption
from lfsync.declare.yamlscalars import yaml_type_name
from lfsync.support.suggestions import did_you_mean
from lfsync.values.types import FieldSpec, ValueProblem, list_labels

STAGE_FIELD = "$stage"
PIPELINE_FIELD = "$pipeline"


def fold_label(text: str) -> str:
    """A label as the API matches stage labels: case folded, whitespace collapsed."""
    return " ".join(text.split()).casefold()


def canonical_stage(stage: FieldSpec, pipeline: FieldSpec | None, value: Any, hint: Any = None) -> str:
    """The option ID `value` names (a label or an option ID), in the pipeline `hint` names if given."""
    if not isinstance(value, str):
        raise ValueProblem(f"expected a stage label or option ID, found {yaml_type_name(value)}")
    pipelines = {option.id: option.label for option in pipeline.options} if pipeline else {}
    pinned = pipeline_named(pipelines, hint) if hint is not None else None
    by_id = next((option for option in stage.options if option.id == value), None)
    if by_id is not None:
        if pinned is not None and by_id.parent_id != pinned:
            raise ValueProblem(f"{value} is a stage of {_pipeline_name(pipelines, by_id)}, not of {pipelines[pinned]}")
        return by_id.id
    folded = fold_label(value)
    candidates = [option for option in stage.options if fold_label(option.label) == folded]
    if pinned is not None:
        in_pipeline = [option for option in candidates if option.parent_id == pinned]
        if not in_pipeline:
            labels = [option.label for option in stage.options if option.parent_id == pinned]
            raise ValueProblem(
                f"{value!r} is no stage of pipeline {pipelines[pinned]}{did_you_mean(value, labels)}; "
                f"its stages: {list_labels(labels)}"
            )
        candidates = in_pipeline
    if not candidates:
        labels = list(dict.fromkeys(option.label for option in stage.options))
        raise ValueProblem(f"{value!r} is not a stage{did_you_mean(value, labels)}; valid labels: {list_labels(labels)}")
    if len(candidates) > 1:
        listed = ", ".join(f"{_pipeline_name(pipelines, option)} ({option.id})" for option in candidates)
        raise ValueProblem(
            f"stage {value!r} is in {len(candidates)} pipelines: {listed}; the definitions do not say which is "
            f"the default: write the stage's option ID, or name the pipeline with {PIPELINE_FIELD}: <name>"
        )
    return candidates[0].id


def pipeline_named(pipelines: dict[str, str], hint: Any) -> str:
    """The pipeline ID a `$pipeline` hint names: a pipeline ID, or a name (any case)."""
    if not isinstance(hint, str):
        raise ValueProblem(f"{PIPELINE_FIELD} must be a pipeline name or ID, found {yaml_type_name(hint)}")
    if hint in pipelines:
        return hint
    folded = fold_label(hint)
    found = next((pipeline_id for pipeline_id, name in pipelines.items() if fold_label(name) == folded), None)
    if found is None:
        names = list(pipelines.values())
        raise ValueProblem(f"{hint!r} is no pipeline of this organisation{did_you_mean(hint, names)}; pipelines: {list_labels(names)}")
    return found


def _pipeline_name(pipelines: dict[str, str], option: SelectOption) -> str:
    return pipelines.get(option.parent_id or "", option.parent_id or "no pipeline")
