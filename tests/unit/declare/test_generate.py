"""`generate:` blocks: records generated from a seed with Faker are the same byte for byte in every
process (whatever PYTHONHASHSEED), keep their keys and values when the block grows, are ordinary
declarations placed at the block's lines, and a bad block is refused at file:line:col."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lfsync.declare.declarations import load_declarations
from lfsync.declare.fakes import faker_version
from lfsync.declare.model import GeneratedSet
from lfsync.declare.parsecache import ParseCache, Uncached, loader_identity
from lfsync.errors import DeclarationError, render_problem
from lfsync.plan.actions import Action
from lfsync.plan.generator_version import generator_version_note
from lfsync.plan.model import Change

BLOCK = """\
accounts:
  acme:
    fields: {$name: Acme}
generate:
  faker: "@FAKER@"
  seed: demo-2026
  accounts:
    count: @ACCOUNTS@
    key: "gen-acct-{n:03}"
    fields:
      $name: "{company}"
      $website: ["https://{domain}"]
      tier: {choice: [enterprise, startup, smb]}
  contacts:
    per: account
    count: 2
    key: "{account.key}-c{n}"
    fields:
      $name: {firstName: "{first_name}", lastName: "{last_name}"}
      $email: ["{first_name.slug}@{account.domain}"]
    relationships:
      $account: "{account.address}"
  opportunities:
    per: account
    key: "{account.key}-deal"
    fields:
      $name: "{account.$name} renewal"
      $stage: {cycle: [Discovery, Proposal, Negotiation]}
      amount: {between: [5000, 90000]}
    relationships:
      $account: "{account.address}"
      $champion: {choice: [contact.gen-acct-001-c1]}
"""


def block(accounts: int = 3, faker: str | None = None) -> str:
    return BLOCK.replace("@ACCOUNTS@", str(accounts)).replace("@FAKER@", faker or faker_version())


def project(tmp_path: Path, text: str, name: str = "demo.yaml") -> Path:
    root = tmp_path / "project"
    root.mkdir(exist_ok=True)
    (root / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def as_json(root: Path) -> str:
    declarations = load_declarations(root, cache=Uncached())
    return json.dumps(
        {address: {"fields": d.fields, "relationships": d.relationships} for address, d in declarations.accounts.items()},
        sort_keys=True,
    )


def problems_of(root: Path) -> list[str]:
    with pytest.raises(DeclarationError) as raised:
        load_declarations(root, cache=Uncached())
    return [render_problem(problem) for problem in raised.value.problems]


DUMP = "import json, pathlib, sys; from tests.unit.declare.test_generate import as_json; print(as_json(pathlib.Path(sys.argv[1])))"


def test_the_same_file_gives_byte_identical_records_in_processes_with_different_hash_seeds(tmp_path):
    root = project(tmp_path, block(accounts=4))
    outputs = []
    for hash_seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "LFSYNC_NO_CACHE": "1"}
        done = subprocess.run([sys.executable, "-c", DUMP, str(root)], env=env, capture_output=True, check=True, cwd=Path.cwd())
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0].decode().strip() == as_json(root)  # and the same as this process's


def test_generated_records_are_declarations_at_the_lines_of_the_block(tmp_path):
    declarations = load_declarations(project(tmp_path, block(accounts=3)), cache=Uncached())
    assert sorted(declarations.accounts) == sorted([
        "account.acme", *(f"account.gen-acct-00{n}" for n in (1, 2, 3)),
        *(f"contact.gen-acct-00{n}-c{m}" for n in (1, 2, 3) for m in (1, 2)),
        *(f"opportunity.gen-acct-00{n}-deal" for n in (1, 2, 3)),
    ])
    account = declarations.accounts["account.gen-acct-002"]
    assert str(account.location) == "demo.yaml:9:10" and str(account.field_location("tier")) == "demo.yaml:13:7"
    domain = account.fields["$website"][0].removeprefix("https://")
    contact = declarations.accounts["contact.gen-acct-002-c1"]
    assert contact.relationships == {"$account": "account.gen-acct-002"}
    assert contact.fields["$email"][0] == f"{contact.fields['$name']['firstName'].lower()}@{domain}".replace(" ", "-")
    deals = [declarations.accounts[f"opportunity.gen-acct-00{n}-deal"] for n in (1, 2, 3)]
    assert [deal.fields["$stage"] for deal in deals] == ["Discovery", "Proposal", "Negotiation"]  # a spread
    assert deals[1].fields["$name"] == f"{account.fields['$name']} renewal"
    assert all(5000 <= deal.fields["amount"] <= 90000 for deal in deals)
    [generated] = declarations.generated
    assert (generated.file, generated.pinned, str(generated.location)) == ("demo.yaml", faker_version(), "demo.yaml:5:10")
    assert sorted(generated.addresses) == sorted(address for address in declarations.accounts if address != "account.acme")


def test_a_larger_count_appends_records_and_a_smaller_one_drops_the_last(tmp_path):
    three = json.loads(as_json(project(tmp_path, block(accounts=3))))
    five = json.loads(as_json(project(tmp_path, block(accounts=5))))
    assert {address: three[address] for address in three} == {address: five[address] for address in three}
    assert set(five) - set(three) == {
        "account.gen-acct-004", "account.gen-acct-005", "contact.gen-acct-004-c1", "contact.gen-acct-004-c2",
        "contact.gen-acct-005-c1", "contact.gen-acct-005-c2", "opportunity.gen-acct-004-deal", "opportunity.gen-acct-005-deal",
    }
    assert json.loads(as_json(project(tmp_path, block(accounts=2)))) == {
        address: value for address, value in three.items() if "003" not in address
    }


def test_a_field_added_leaves_every_other_value_as_it_was(tmp_path):
    before = json.loads(as_json(project(tmp_path, block(accounts=3))))
    grown = block(accounts=3).replace("      tier: {choice", "      city: \"{city}\"\n      tier: {choice", 1)
    after = json.loads(as_json(project(tmp_path, grown)))
    for address, record in before.items():
        added = {key: value for key, value in after[address]["fields"].items() if key not in record["fields"]}
        assert {**record["fields"], **added} == after[address]["fields"]
        assert set(added) == ({"city"} if address.startswith("account.gen") else set())


def test_another_seed_gives_other_values_under_the_same_keys(tmp_path):
    before = json.loads(as_json(project(tmp_path, block())))
    after = json.loads(as_json(project(tmp_path, block().replace("seed: demo-2026", "seed: other"))))
    assert before.keys() == after.keys()
    assert before["account.gen-acct-001"] != after["account.gen-acct-001"]


def test_generated_records_come_from_the_parse_cache_keyed_on_the_faker_version(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-home"))
    root = project(tmp_path, block(accounts=2))
    first = load_declarations(root, cache=ParseCache.for_project(root))
    cache = ParseCache.for_project(root)
    again = load_declarations(root, cache=cache)
    assert cache.hits and again.accounts == first.accounts and again.generated == first.generated
    monkeypatch.setattr("lfsync.declare.parsecache.faker_version", lambda: "0.0.1")
    loader_identity.cache_clear()
    other = ParseCache.for_project(root)
    load_declarations(root, cache=other)
    assert not other.hits  # another Faker: generated again
    loader_identity.cache_clear()


@pytest.mark.parametrize(("written", "bad", "expected"), [
    ('  faker: "@FAKER@"\n', "", "demo.yaml:4:1: 'generate' has no 'faker' (write the Faker version they are generated with"),
    ("    count: @ACCOUNTS@\n", "    count: many\n", "demo.yaml:8:12: generate.accounts.count must be a whole number from 0 to 10000"),
    ('    key: "gen-acct-{n:03}"\n', '    key: "gen-acct-{nn}"\n', "demo.yaml:9:10: generate.accounts.key: unknown name {nn}: use one of"),
    ('      $name: "{company}"\n', '      $name: "{compny}"\n', "demo.yaml:11:14: generate.accounts.fields.$name: unknown name {compny}"),
    ("      tier: {choice: [enterprise, startup, smb]}\n", "      tier: {choice: []}\n",
     "demo.yaml:13:13: generate.accounts.fields.tier: choice: expects a non-empty list"),
    ("    per: account\n", "    per: acount\n", "demo.yaml:15:10: generate.contacts.per must name another set of this block by its kind"),
    ('    key: "{account.key}-c{n}"\n', '    key: "{account.key}"\n',
     "demo.yaml:17:10: generate.contacts.key gives contact.gen-acct-001 to record 1 of account.gen-acct-001 and to record 2 of"),
    ('      $email: ["{first_name.slug}@{account.domain}"]\n', '      $email: ["{account.nope}"]\n',
     "demo.yaml:20:15: generate.contacts.fields.$email: unknown name {account.nope}: the parent record is 'account'"),
    ("  seed: demo-2026\n", "  seed: demo-2026\n  locale: xx_XX\n", "demo.yaml:7:11: unknown Faker locale 'xx_XX'"),
    ("  contacts:\n", "  contact:\n", "demo.yaml:14:3: unknown key 'contact' in 'generate'"),
    ('    key: "gen-acct-{n:03}"\n', '    key: "{company.slug}"\n',
     "demo.yaml:9:10: generate.accounts.key: a key may use {n} and the parent's {<kind>.key} only, not {company}"),
    ("  accounts:\n    count", "  accounts:\n    per: contact\n    count",
     "demo.yaml:8:5: generate.accounts: 'per' goes round in a circle"),
])
def test_a_bad_block_is_refused_at_file_line_col(tmp_path, written, bad, expected):
    assert written in BLOCK
    root = project(tmp_path, block().replace(written.replace("@ACCOUNTS@", "3").replace("@FAKER@", faker_version()), bad, 1))
    found = problems_of(root)
    assert any(problem.startswith(expected) for problem in found), found


def test_more_than_ten_thousand_records_in_a_block_are_refused(tmp_path):
    text = block(accounts=4000)  # 4,000 accounts, 8,000 contacts, 4,000 opportunities
    assert problems_of(project(tmp_path, text)) == ["demo.yaml:4:1: 'generate' makes 16000 records; at most 10000 a block"]


def test_a_generated_record_is_checked_like_a_declared_one_at_the_blocks_line(tmp_path):
    text = block().replace('      $name: "{account.$name} renewal"\n', "", 1)
    assert problems_of(project(tmp_path, text))[0].startswith(
        "demo.yaml:26:5: opportunity.gen-acct-001-deal has no $name in 'fields'"
    )


def test_a_key_generated_twice_across_declared_and_generated_records_is_one_address_declared_twice(tmp_path):
    text = block().replace("  acme:\n", "  gen-acct-001:\n", 1)
    assert any("account.gen-acct-001 is declared twice" in problem for problem in problems_of(project(tmp_path, text)))


def test_the_plan_notes_a_block_whose_pinned_faker_is_not_the_installed_one():
    generated = [
        GeneratedSet("demo.yaml", "39.0.0", (5, 10), ("account.a", "account.b", "contact.c")),
        GeneratedSet("same.yaml", "40.0.0", (2, 10), ("account.d",)),
    ]
    changes = [Change(address="account.a", action=Action.UPDATE), Change(address="contact.c", action=Action.UPDATE),
               Change(address="account.d", action=Action.UPDATE), Change(address="account.x", action=Action.CREATE)]
    assert generator_version_note(generated, changes, "40.0.0") == (
        "demo.yaml:5:10: the records of this block were generated with Faker 39.0.0, now 40.0.0: 2 generated record(s) "
        "change; review them, then write faker: 40.0.0 in the block to accept"
    )
    assert generator_version_note(generated[1:], changes, "40.0.0") is None


def test_a_set_of_none_makes_no_records_and_its_dependents_none_either(tmp_path):
    declarations = load_declarations(project(tmp_path, block(accounts=0)), cache=Uncached())
    assert list(declarations.accounts) == ["account.acme"] and declarations.generated[0].addresses == ()


@pytest.mark.slow
def test_ten_thousand_records_are_the_same_in_two_processes(tmp_path):
    root = project(tmp_path, block(accounts=2500))  # 2,500 accounts, 5,000 contacts, 2,500 opportunities
    outputs = {
        subprocess.run([sys.executable, "-c", DUMP, str(root)], env={**os.environ, "PYTHONHASHSEED": seed, "LFSYNC_NO_CACHE": "1"},
                       capture_output=True, check=True, cwd=Path.cwd()).stdout
        for seed in ("7", "8")
    }
    assert len(outputs) == 1 and len(json.loads(outputs.pop())) == 10_001


def test_variables_are_substituted_in_a_block_so_each_workspace_can_have_its_own_records(tmp_path):
    root = project(tmp_path, block().replace("seed: demo-2026", 'seed: "demo-${vars.region}"').replace(
        '$name: "{company}"', '$name: "{company} (${vars.region})"'
    ))
    eu = load_declarations(root, cache=Uncached(), variables={"region": "EU"}).accounts
    us = load_declarations(root, cache=Uncached(), variables={"region": "US"}).accounts
    assert eu.keys() == us.keys() and eu["account.gen-acct-001"].fields["$name"].endswith(" (EU)")
    assert eu["account.gen-acct-001"].fields["$name"].removesuffix(" (EU)") != us["account.gen-acct-001"].fields["$name"].removesuffix(" (US)")
    with pytest.raises(DeclarationError) as raised:
        load_declarations(root, cache=Uncached(), variables={"regio": "EU"})
    assert [render_problem(problem).split(" (")[0] for problem in raised.value.problems] == [
        "demo.yaml:6:15: generate.seed: unknown variable 'region'",
        "demo.yaml:11:26: generate.accounts.fields.$name: unknown variable 'region'",
    ]
