"""`$stage` against pipelines: labels in any case, option IDs, shared labels refused unless pinned."""

from __future__ import annotations

import pytest

from lfsync.api.records import SelectOption
from lfsync.values.stages import canonical_stage
from lfsync.values.types import FieldSpec, ValueProblem

PIPELINE = FieldSpec("$pipeline", "SINGLE_SELECT", options=(SelectOption("pd_new", "New business"), SelectOption("pd_ren", "Renewals")))
STAGE = FieldSpec(
    "$stage", "SINGLE_SELECT", parent_field_key="$pipeline",
    options=(
        SelectOption("opt_disc", "Discovery", "pd_new"),
        SelectOption("opt_won_new", "Closed Won", "pd_new"),
        SelectOption("opt_review", "Renewal review", "pd_ren"),
        SelectOption("opt_won_ren", "Closed Won", "pd_ren"),
    ),
)


def test_a_label_of_one_pipeline_in_any_case_and_spacing_is_its_option_id():
    assert canonical_stage(STAGE, PIPELINE, "discovery") == "opt_disc"
    assert canonical_stage(STAGE, PIPELINE, "  renewal   REVIEW ") == "opt_review"


def test_an_option_id_pins_its_pipeline():
    assert canonical_stage(STAGE, PIPELINE, "opt_won_ren") == "opt_won_ren"
    assert canonical_stage(STAGE, PIPELINE, "opt_won_ren", "Renewals") == "opt_won_ren"
    with pytest.raises(ValueProblem, match="opt_won_ren is a stage of Renewals, not of New business"):
        canonical_stage(STAGE, PIPELINE, "opt_won_ren", "pd_new")


def test_a_shared_label_is_refused_listing_the_candidates_unless_a_pipeline_pins_it():
    with pytest.raises(ValueProblem) as refused:
        canonical_stage(STAGE, PIPELINE, "closed won")
    assert str(refused.value).startswith(
        "stage 'closed won' is in 2 pipelines: New business (opt_won_new), Renewals (opt_won_ren);"
    )
    assert canonical_stage(STAGE, PIPELINE, "closed won", "renewals") == "opt_won_ren"
    assert canonical_stage(STAGE, PIPELINE, "Closed Won", "pd_new") == "opt_won_new"


def test_unknown_stages_and_pipelines_are_named_with_what_there_is():
    with pytest.raises(ValueProblem, match=r"'Discovry' is not a stage \(did you mean 'Discovery'\?\); valid labels: Discovery, Closed Won, Renewal review$"):
        canonical_stage(STAGE, PIPELINE, "Discovry")
    with pytest.raises(ValueProblem, match="'Discovery' is no stage of pipeline Renewals"):
        canonical_stage(STAGE, PIPELINE, "Discovery", "Renewals")
    with pytest.raises(ValueProblem, match="'Upsell' is no pipeline of this organisation; pipelines: New business, Renewals"):
        canonical_stage(STAGE, PIPELINE, "Discovery", "Upsell")
    with pytest.raises(ValueProblem, match="expected a stage label or option ID, found the number 3"):
        canonical_stage(STAGE, PIPELINE, 3)
