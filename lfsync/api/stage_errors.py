"""The API's answers about an opportunity's stage and pipeline (lightfield-api-objects.md,
"Pipelines"): `ambiguous_stage_label` (`candidates`, `truncated?`), `stage_unresolved_in_pipeline`
(`pipelineId`, `candidates`) and `unknown_pipeline` (`activePipelineIds`), read from an error object
and said in user terms: the stage, the candidate pipelines and stages with their option IDs, the
active pipeline IDs, and what to do (pin the stage with `$pipeline:` or an option ID, plan again).

lfsync refuses a label several pipelines share at plan time (lfsync/values/stages.py), so these
answers mean the organisation's pipelines changed after the plan was checked (or the API resolves
stages differently than its definitions show). The details are server input: every string is made
one plain line (support/textsafe.py) and cut to a bound, at most a few candidates and IDs are kept
(the rest counted), and anything not shaped as documented is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lfsync.support.textsafe import plain

AMBIGUOUS_STAGE_LABEL = "ambiguous_stage_label"
STAGE_UNRESOLVED_IN_PIPELINE = "stage_unresolved_in_pipeline"
UNKNOWN_PIPELINE = "unknown_pipeline"
STAGE_CODES = frozenset({AMBIGUOUS_STAGE_LABEL, STAGE_UNRESOLVED_IN_PIPELINE, UNKNOWN_PIPELINE})

MAX_SHOWN = 10  # candidates and pipeline IDs named in one message; the rest are counted
MAX_TEXT = 80  # characters of one server string (a label, a name, an ID)
ADVICE = (
    "the organisation's pipelines have changed since this was planned: pin the stage with "
    "`$pipeline: <name or pd_ ID>` or write the stage's option ID, then run `lfsync plan` again"
)


@dataclass(frozen=True)
class StageCandidate:
    """One stage the label could name: its option ID, label, and the pipeline it belongs to."""

    option_id: str
    label: str
    pipeline_id: str
    pipeline_name: str

    def describe(self) -> str:
        named = f"'{self.pipeline_name}'" if self.pipeline_name else ""
        pipeline = " ".join(part for part in (named, f"({self.pipeline_id})" if self.pipeline_id else "") if part)
        stage = f"'{self.label}' ({self.option_id})" if self.label else self.option_id
        return f"{stage} in pipeline {pipeline}" if pipeline else stage


@dataclass(frozen=True)
class StageError:
    """The documented details of a stage answer, bounded and sanitised."""

    code: str
    candidates: tuple[StageCandidate, ...] = ()
    more_candidates: int = 0  # beyond those kept, or the server said it truncated the list (-1)
    pipeline_id: str = ""
    active_pipeline_ids: tuple[str, ...] = ()
    more_pipelines: int = 0

    def explain(self, param: str | None) -> str:
        """The answer in user terms: what the API could not resolve, its candidates, and what to do."""
        what = "The stage" if not param or param.endswith("$stage") else f"`{param}`"
        if self.code == UNKNOWN_PIPELINE:
            ids = _listed(list(self.active_pipeline_ids), self.more_pipelines) or "none named"
            said = f"The pipeline named for {what[0].lower()}{what[1:]} is not an active pipeline of the organisation (active pipeline IDs: {ids})"
        elif self.code == STAGE_UNRESOLVED_IN_PIPELINE:
            pipeline = f"pipeline {self.pipeline_id}" if self.pipeline_id else "the pipeline it was resolved in"
            said = f"{what} is not an active stage of {pipeline}"
        else:
            said = f"{what} names stages of several pipelines, or of none"
        candidates = _listed([candidate.describe() for candidate in self.candidates], self.more_candidates)
        found = f"; active stages with that label: {candidates}" if candidates else "; no active stage has that label"
        return f"{said}{found if self.code != UNKNOWN_PIPELINE else ''}; {ADVICE}"


def stage_error(code: str | None, details: dict[str, Any]) -> StageError | None:
    """The StageError an error object stands for, or None for any other code."""
    if code not in STAGE_CODES:
        return None
    raw_candidates = details.get("candidates")
    candidates = [c for c in (_candidate(item) for item in _items(raw_candidates)) if c is not None]
    pipelines = [text for text in (_text(item) for item in _items(details.get("activePipelineIds"))) if text]
    truncated = details.get("truncated") is True
    return StageError(
        code=code,
        candidates=tuple(candidates[:MAX_SHOWN]),
        more_candidates=max(0, len(candidates) - MAX_SHOWN) or (-1 if truncated else 0),
        pipeline_id=_text(details.get("pipelineId")),
        active_pipeline_ids=tuple(pipelines[:MAX_SHOWN]),
        more_pipelines=max(0, len(pipelines) - MAX_SHOWN),
    )


def _items(value: Any) -> list[Any]:
    """A documented list, at most a bounded number of its items looked at (the rest still counted)."""
    return value[: MAX_SHOWN * 10] if isinstance(value, list) else []


def _candidate(item: Any) -> StageCandidate | None:
    if not isinstance(item, dict):
        return None
    option_id = _text(item.get("stageOptionId"))
    label = _text(item.get("stageLabel"))
    if not option_id and not label:
        return None
    return StageCandidate(option_id, label, _text(item.get("pipelineId")), _text(item.get("pipelineName")))


def _text(value: Any) -> str:
    """A server string as one plain line within MAX_TEXT characters ("" for anything else)."""
    if not isinstance(value, str) or not value:
        return ""
    line = plain(value)
    return line if len(line) <= MAX_TEXT else line[: MAX_TEXT - 3] + "..."


def _listed(items: list[str], more: int) -> str:
    if not items:
        return ""
    tail = f" and {more} more" if more > 0 else " and more (the API cut the list short)" if more < 0 else ""
    return ", ".join(items) + tail
