"""Pipelines and their stages: `$stage` as a select whose options belong to pipelines, and
`$pipeline` as the write hint and filter that picks one (lightfield-api-objects.md, "Pipelines").

Documented: a stage option ID implies its pipeline; a stage label matches without regard to case,
whitespace collapsed; a label write falls back to the default pipeline on opportunities; a
`$pipeline` hint (a `pd_` ID or a name) is not stored; filters take pipeline IDs only, one positive
`$pipeline[equal]`, and never fall back. The answers `ambiguous_stage_label`,
`stage_unresolved_in_pipeline` and `unknown_pipeline` carry `candidates`, `pipelineId` and
`activePipelineIds`. What the docs leave open is decision 27.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import decisions
from .errors import ApiError, invalid_type
from .ids import stable_id
from .schema import FieldDefinition, SelectOption

STAGE_KEY = "$stage"
PIPELINE_KEY = "$pipeline"


def fold_label(text: str) -> str:
    """A label as stage labels are matched: case folded, whitespace collapsed."""
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Pipeline:
    id: str
    name: str
    stages: tuple[SelectOption, ...]  # each with `parent_id` = this pipeline's ID
    default: bool = False

    def stage_by_label(self, label: str) -> SelectOption | None:
        folded = fold_label(label)
        return next((s for s in self.stages if fold_label(s.label) == folded), None)


def make_pipeline(object_type: str, name: str, stage_labels: Iterable[str], *, default: bool = False,
                  pipeline_id: str | None = None) -> Pipeline:
    """A pipeline from the fixture; its ID and its stages' option IDs are derived from the names."""
    pid = pipeline_id or stable_id("pd", object_type, name)
    stages = tuple(
        SelectOption(id=stable_id("opt", object_type, STAGE_KEY, name, label), label=label, parent_id=pid)
        for label in stage_labels
    )
    return Pipeline(id=pid, name=name, stages=stages, default=default)


@dataclass(frozen=True)
class Pipelines:
    """The pipelines of one object type, and how `$stage` and `$pipeline` resolve against them."""

    pipelines: tuple[Pipeline, ...]  # the active ones: in definitions, hints and filters
    # Pipelines no longer active (the fixture's `active: false`, decision 27): absent from definitions,
    # but their stages' option IDs are known, so a write naming one is told it is not an active stage.
    retired: tuple[Pipeline, ...] = ()

    @property
    def default(self) -> Pipeline | None:
        return next((p for p in self.pipelines if p.default), None)

    def field_definitions(self, object_type: str) -> list[FieldDefinition]:
        """`$pipeline` (a select of pipelines) and `$stage` (a select dependent on it)."""
        pipeline_options = tuple(SelectOption(id=p.id, label=p.name) for p in self.pipelines)
        return [
            FieldDefinition(
                key=PIPELINE_KEY, label="Pipeline", value_type="SINGLE_SELECT", id=stable_id("ad", object_type, PIPELINE_KEY),
                description=decisions.PIPELINE_FIELD_DESCRIPTION, options=pipeline_options,
            ),
            FieldDefinition(
                key=STAGE_KEY, label="Stage", value_type="SINGLE_SELECT", id=stable_id("ad", object_type, STAGE_KEY),
                options=tuple(stage for p in self.pipelines for stage in p.stages), parent_field_key=PIPELINE_KEY,
            ),
        ]

    def pipeline_of_stage(self, option_id: Any) -> str | None:
        return next((p.id for p in self.pipelines for s in p.stages if s.id == option_id), None)

    # -- writes ------------------------------------------------------------------------------

    def resolve_write(self, stage: Any, hint: Any) -> str:
        """The stage option ID a written `$stage` (and optional `$pipeline` hint) names."""
        param = f"fields.{STAGE_KEY}"
        if not isinstance(stage, str):
            raise invalid_type(param, f"`{STAGE_KEY}` expects a stage option ID or label.")
        pipeline = self._hinted_pipeline(hint, status=422) if hint is not None else None
        owner = self.pipeline_of_stage(stage)
        if owner is not None:  # an option ID implies its pipeline
            if pipeline is not None and pipeline.id != owner:
                raise self._unresolved(stage, pipeline, param)
            return stage
        retired = next((p for p in self.retired if any(s.id == stage for s in p.stages)), None)
        if retired is not None:
            label = next(s.label for s in retired.stages if s.id == stage)
            raise self._unresolved(stage, retired, param, label=label)
        if stage.startswith("opt_"):
            raise ApiError(422, f"Option `{stage}` is not a stage.", code="referenced_resource_missing", param=param)
        pipeline = pipeline or self.default
        if pipeline is None:  # decision 27: no default pipeline, no fallback
            return self._only_candidate(stage, param, status=422)
        found = pipeline.stage_by_label(stage)
        if found is None:
            raise self._unresolved(stage, pipeline, param)
        return found.id

    # -- filters -----------------------------------------------------------------------------

    def filter_pipeline(self, text: str, param: str) -> str:
        """A `$pipeline` filter value: pipeline IDs only (names are write hints)."""
        if not any(p.id == text for p in self.pipelines):
            raise self._unknown_pipeline(text, param, status=400)
        return text

    def filter_stage(self, text: str, pipeline_id: str | None, param: str) -> str:
        """A `$stage` filter value: an option ID, or a label pinned by a positive `$pipeline` filter."""
        if self.pipeline_of_stage(text) is not None:
            return text
        if pipeline_id is None:
            return self._only_candidate(text, param, status=400)
        pipeline = next(p for p in self.pipelines if p.id == pipeline_id)
        found = pipeline.stage_by_label(text)
        if found is None:
            raise self._unresolved(text, pipeline, param, status=400)
        return found.id

    # -- answers -----------------------------------------------------------------------------

    def _hinted_pipeline(self, hint: Any, *, status: int) -> Pipeline:
        param = f"fields.{PIPELINE_KEY}"
        if not isinstance(hint, str):
            raise invalid_type(param, f"`{PIPELINE_KEY}` expects a pipeline ID or name.")
        found = next((p for p in self.pipelines if p.id == hint), None) or next(
            (p for p in self.pipelines if fold_label(p.name) == fold_label(hint)), None
        )
        if found is None:
            raise self._unknown_pipeline(hint, param, status=status)
        return found

    def _candidates(self, label: str) -> list[dict[str, str]]:
        folded = fold_label(label)
        return [
            {"stageOptionId": s.id, "stageLabel": s.label, "pipelineId": p.id, "pipelineName": p.name}
            for p in self.pipelines for s in p.stages if fold_label(s.label) == folded or s.id == label
        ]

    def _only_candidate(self, label: str, param: str, *, status: int) -> str:
        candidates = self._candidates(label)
        if len(candidates) == 1:
            return candidates[0]["stageOptionId"]
        raise ApiError(
            status, f"Stage label `{label}` does not name one stage: give a `{PIPELINE_KEY}` or an option ID.",
            code="ambiguous_stage_label", param=param, extra={"candidates": candidates},
        )

    def _unresolved(self, stage: str, pipeline: Pipeline, param: str, *, status: int = 422, label: str | None = None) -> ApiError:
        """`candidates`: the active stages `stage` (or a retired stage's `label`) names."""
        return ApiError(
            status, f"`{stage}` is not an active stage of pipeline `{pipeline.name}`.",
            code="stage_unresolved_in_pipeline", param=param,
            extra={"pipelineId": pipeline.id, "candidates": self._candidates(label or stage)},
        )

    def _unknown_pipeline(self, text: str, param: str, *, status: int) -> ApiError:
        return ApiError(
            status, f"`{text}` is not an active pipeline.", code="unknown_pipeline", param=param,
            extra={"activePipelineIds": [p.id for p in self.pipelines]},
        )
