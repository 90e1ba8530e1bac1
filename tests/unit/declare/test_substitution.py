"""Variables substituted while a project's declarations load (lfsync.declare.substitution): in
field and relationship values of YAML and CSV files, each problem at the file:line:col of its use,
all of them at once; the parse cache never answers with values resolved from other variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from lfsync.declare import declarations
from lfsync.declare.declarations import load_declarations, parse_yaml_file
from lfsync.declare.parsecache import ParseCache, Uncached, loader_identity
from lfsync.declare.yamlload import DEFAULT_SETTINGS
from lfsync.errors import DeclarationError, Problems, render_problem

VARIABLES = {"region": "EU", "region_key": "eu", "owner": "grace@example.com", "score": 7, "partner": True}

ACCOUNTS = """\
accounts:
  hq-eu:
    fields:
      $name: HQ ${vars.region}
  acme:
    fields:
      $name: "Acme ${vars.region}"
      icp-score: ${vars.score}
      isPartner: ${vars.partner}
      $primaryAddress: {city: Oslo, country: "${vars.region}"}
      $website: ["https://${vars.region_key}.acme.example"]
      note: price $${vars.score} for $name
    relationships:
      $owner: ${vars.owner}
      parentAccount: account.hq-${vars.region_key}
"""


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    loader_identity.cache_clear()
    yield
    loader_identity.cache_clear()


def write(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def problems_of(root: Path, variables: dict) -> list[str]:
    with pytest.raises(DeclarationError) as refused:
        load_declarations(root, cache=Uncached(), variables=variables)
    return [render_problem(problem) for problem in refused.value.problems]


def test_values_are_resolved_with_their_types_before_they_are_checked(tmp_path):
    loaded = load_declarations(write(tmp_path, {"accounts.yaml": ACCOUNTS}), cache=Uncached(), variables=VARIABLES)
    acme = loaded.accounts["account.acme"]
    assert acme.fields == {
        "$name": "Acme EU",
        "icp-score": 7,
        "isPartner": True,
        "$primaryAddress": {"city": "Oslo", "country": "EU"},
        "$website": ["https://eu.acme.example"],
        "note": "price ${vars.score} for $name",
    }
    assert acme.relationships == {"$owner": "grace@example.com", "parentAccount": "account.hq-eu"}
    assert loaded.accounts["account.hq-eu"].fields == {"$name": "HQ EU"}


def test_keys_flags_and_moves_are_never_substituted(tmp_path):
    root = write(tmp_path, {"accounts.yaml": (
        "accounts:\n  acme:\n    fields:\n      $name: Acme\n      ${vars.region}: x\n"
        "    ignore_changes: [\"${vars.region}\"]\n"
    )})
    loaded = load_declarations(root, cache=Uncached(), variables=VARIABLES)
    acme = loaded.accounts["account.acme"]
    assert acme.fields == {"$name": "Acme", "${vars.region}": "x"}
    assert set(acme.ignored_places) == {"${vars.region}"}


def test_every_unknown_use_is_named_at_its_line_and_column_in_every_file(tmp_path):
    root = write(tmp_path, {
        "a.yaml": (
            "accounts:\n"
            "  acme:\n"
            "    fields:\n"
            "      $name: Acme ${vars.regoin} and ${vars.nope}\n"
            "      region: \"quoted ${vars.region} ${vars.regoin}\"\n"
            "      accountPlan: |\n"
            "        first line\n"
            "          second ${vars.plan}\n"
            "    relationships:\n"
            "      parentAccount: account.${vars.regionkey}\n"
            "      $owner: ${vars.}\n"
        ),
        "b.csv": "key,$name,relationships.$owner\nglobex,Globex ${vars.Region},${vars.owner}\n",
    })
    assert problems_of(root, VARIABLES) == [
        "a.yaml:4:19: fields.$name of account.acme: unknown variable 'regoin' "
        "(known: owner, partner, region, region_key, score) (did you mean 'region'?)",
        "a.yaml:4:38: fields.$name of account.acme: unknown variable 'nope' (known: owner, partner, region, region_key, score)",
        "a.yaml:5:38: fields.region of account.acme: unknown variable 'regoin' "
        "(known: owner, partner, region, region_key, score) (did you mean 'region'?)",
        "a.yaml:8:18: fields.accountPlan of account.acme: unknown variable 'plan' "
        "(known: owner, partner, region, region_key, score)",
        "a.yaml:10:30: relationships.parentAccount of account.acme: unknown variable 'regionkey' "
        "(known: owner, partner, region, region_key, score) (did you mean 'region_key'?)",
        "a.yaml:11:15: relationships.$owner of account.acme: ${vars. must be followed by a variable name and '}', "
        "like ${vars.region} (write $${vars. for a literal ${vars.)",
        "b.csv:2:15: $name of account.globex: unknown variable 'Region' "
        "(known: owner, partner, region, region_key, score) (did you mean 'region'?)",
    ]


def test_a_use_spelt_with_escapes_is_named_by_its_value(tmp_path):
    root = write(tmp_path, {"a.yaml": 'accounts:\n  acme:\n    fields:\n      $name: "Acme \\x24{vars.nope}"\n'})
    assert problems_of(root, VARIABLES)[0].startswith("a.yaml:4:14: fields.$name of account.acme: unknown variable 'nope'")


def test_csv_cells_are_text_and_the_key_column_is_never_substituted(tmp_path):
    root = write(tmp_path, {"accounts.csv": (
        "key,$name,icp-score,relationships.parentAccount,protect\n"
        "hq-eu,HQ,,,\n"
        'acme,"Acme, ${vars.region}",${vars.score},account.hq-${vars.region_key},false\n'
    )})
    acme = load_declarations(root, cache=Uncached(), variables=VARIABLES).accounts["account.acme"]
    assert acme.fields == {"$name": "Acme, EU", "icp-score": "7"}
    assert acme.relationships == {"parentAccount": "account.hq-eu"}
    key_use = write(tmp_path / "keys", {"accounts.csv": "key,$name\n${vars.region_key},Acme\n"})
    assert "invalid account key '${vars.region_key}'" in problems_of(key_use, VARIABLES)[0]


def test_the_parse_cache_never_answers_with_values_resolved_from_other_variables(tmp_path):
    root = write(tmp_path, {"accounts.yaml": ACCOUNTS, "plain.yaml": "accounts:\n  plain:\n    fields: {$name: Plain $5}\n"})

    def load(variables: dict) -> tuple[dict, ParseCache]:
        cache = ParseCache.for_project(root)
        return load_declarations(root, cache=cache, variables=variables).accounts, cache

    first, _ = load(VARIABLES)
    again, cache = load(VARIABLES)
    assert again == first and cache.hits["declarations"] == 2 and not cache.misses["declarations"]
    other, cache = load({**VARIABLES, "region": "US"})
    assert other["account.acme"].fields["$name"] == "Acme US"
    assert other["account.plain"] == first["account.plain"]
    # the file that may use variables was read anew; the one that cannot came from the cache
    assert cache.hits["declarations"] == 1 and cache.misses["declarations"] == 1
    back, cache = load(VARIABLES)
    assert back == first and cache.hits["declarations"] == 2


def test_a_helper_process_substitutes_the_same_variables(tmp_path):
    """What a forked helper validates (validate_plain) is what this process would: same variables."""
    data = ACCOUNTS.encode()
    plain = declarations.validate_plain("accounts.yaml", data, DEFAULT_SETTINGS, VARIABLES)
    _, _, direct = parse_yaml_file(data, "accounts.yaml", DEFAULT_SETTINGS, Problems(), VARIABLES)
    assert plain == direct and plain is not None
    assert declarations.validate_plain("accounts.yaml", data, DEFAULT_SETTINGS, {}) is None  # unknown names


def test_the_digest_changes_with_the_variables_and_not_without_them(tmp_path):
    root = write(tmp_path, {"accounts.yaml": ACCOUNTS})
    digest = load_declarations(root, cache=Uncached(), variables=VARIABLES).digest
    assert load_declarations(root, cache=Uncached(), variables={**VARIABLES, "score": 8}).digest != digest
    plain = write(tmp_path / "plain", {"a.yaml": "accounts:\n  a:\n    fields: {$name: A}\n"})
    assert load_declarations(plain, cache=Uncached()).digest == load_declarations(plain, cache=Uncached(), variables={}).digest


def test_the_same_use_twice_in_one_value_is_named_at_each_place_past_an_escaped_one(tmp_path):
    root = write(tmp_path, {"a.yaml": "accounts:\n  acme:\n    fields:\n      $name: $${vars.x} ${vars.x} -- ${vars.x}\n"})
    assert [problem.split(": fields")[0] for problem in problems_of(root, VARIABLES)] == ["a.yaml:4:25", "a.yaml:4:38"]
