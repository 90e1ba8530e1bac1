"""A CRM graph for crash tests: accounts, their contacts (linked from the contact's side, from the
account's side, and from both, which closes a cycle and defers a link write), and opportunities
linked to an account and to contacts as champion and evaluator; written as a declaration file, and
checked against what an organisation holds: exactly one record per declaration, per kind, each with
its declared values and links, nothing else of ours."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

DOMAIN = "graph-crash.example"


@dataclass(frozen=True)
class Declared:
    """One declared record: its address key, identity (`$name`, or a contact's e-mail) and links."""

    key: str
    identity: str
    fields: dict
    links: dict[str, list[str]] = field(default_factory=dict)  # relationship -> declared address keys


@dataclass(frozen=True)
class Graph:
    accounts: dict[str, Declared]
    contacts: dict[str, Declared]
    opportunities: dict[str, Declared]

    @property
    def sizes(self) -> dict[str, int]:
        return {"accounts": len(self.accounts), "contacts": len(self.contacts), "opportunities": len(self.opportunities)}

    def account_contact_links(self) -> set[tuple[str, str]]:
        """(account key, contact key) of every account-contact link, declared on either side."""
        links = {(account, contact.key) for contact in self.contacts.values() for account in contact.links.get("$account", [])}
        return links | {(account.key, contact) for account in self.accounts.values() for contact in account.links.get("$contact", [])}

    def yaml(self) -> str:
        """The graph as one declaration file."""
        lines = []
        for kind, records in (("accounts", self.accounts), ("contacts", self.contacts), ("opportunities", self.opportunities)):
            lines.append(f"{kind}:")
            for record in records.values():
                lines += [f"  {record.key}:", "    fields:"]
                lines += [f"      {name}: {_flow(value)}" for name, value in record.fields.items()]
                if record.links:
                    lines.append("    relationships:")
                    for name, keys in record.links.items():
                        targets = [f"{TARGET_KIND[name]}.{key}" for key in keys]
                        one = kind == "opportunities" and name in HAS_ONE
                        lines.append(f"      {name}: {targets[0] if one else _flow(targets)}")
        return "\n".join(lines) + "\n"


TARGET_KIND = {"$account": "account", "$contact": "contact", "$champion": "contact", "$evaluator": "contact"}
HAS_ONE = ("$account", "$champion")  # an opportunity's: written as one reference, not a list


def _flow(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(value) + "]"
    return str(value)


def crm_graph(accounts: int) -> Graph:
    """`accounts` accounts, two contacts and one opportunity each. Account i's buyer is linked from
    the account's side only; its lead from the contact's side, and from both sides for even i (a
    cycle: one side's link is written by a follow-up update); every third lead is linked to the
    previous account too (two accounts, so that account's side is completed with it)."""
    account_records, contact_records, deal_records = {}, {}, {}
    for i in range(accounts):
        lead, buyer, account = f"lead-{i:03d}", f"buyer-{i:03d}", f"acct-{i:03d}"
        lead_accounts = [account] + ([f"acct-{i - 1:03d}"] if i % 3 == 1 else [])
        account_records[account] = Declared(
            account, f"Graph Crash {i:03d}", {"$name": f"Graph Crash {i:03d}"},
            {"$contact": [buyer] + ([lead] if i % 2 == 0 else [])},
        )
        for key, first, links in ((lead, "Lead", {"$account": lead_accounts}), (buyer, "Buyer", {})):
            email = f"{key}@{DOMAIN}"
            contact_records[key] = Declared(
                key, email, {"$name": {"firstName": first, "lastName": f"N{i:03d}"}, "$email": [email]}, links
            )
        deal_records[f"deal-{i:03d}"] = Declared(
            f"deal-{i:03d}", f"Graph Crash Deal {i:03d}",
            {"$name": f"Graph Crash Deal {i:03d}", "$stage": "Discovery" if i % 2 == 0 else "Proposal"},
            {"$account": [account], "$champion": [lead], "$evaluator": [buyer]},
        )
    return Graph(account_records, contact_records, deal_records)


ADDRESS_PREFIX = {"accounts": "account", "contacts": "contact", "opportunities": "opportunity"}


def identity_of(collection: str, record: dict) -> str:
    value = record["fields"].get("$email" if collection == "contacts" else "$name", {}).get("value")
    return value[0] if isinstance(value, list) and value else value


def linked(record: dict, relationship: str) -> set[str]:
    return set(record["relationships"].get(relationship, {}).get("values", []))


def assert_graph_exactly_once(graph: Graph, held: Mapping[str, list[dict]], stages: Mapping[str, str]) -> dict[str, str]:
    """`held`: collection -> the live records of ours (those created since the test began). Exactly
    one per declaration, by identity, per kind; each with its declared values and links; `stages`:
    a stage label -> the option ID the API stores. Returns address -> ID."""
    ids: dict[str, str] = {}
    for collection, declared in (("accounts", graph.accounts), ("contacts", graph.contacts), ("opportunities", graph.opportunities)):
        by_identity: dict[str, list[dict]] = {}
        for record in held[collection]:
            by_identity.setdefault(identity_of(collection, record), []).append(record)
        duplicated = {identity: len(records) for identity, records in by_identity.items() if len(records) > 1}
        assert not duplicated, f"duplicate {collection}: {duplicated}"
        assert sorted(by_identity) == sorted(d.identity for d in declared.values()), f"lost or stray {collection}"
        assert len(held[collection]) == graph.sizes[collection]
        for record in declared.values():
            ids[f"{ADDRESS_PREFIX[collection]}.{record.key}"] = by_identity[record.identity][0]["id"]
    by_id = {record["id"]: record for records in held.values() for record in records}
    contact_ids = {key: ids[f"contact.{key}"] for key in graph.contacts}
    account_ids = {key: ids[f"account.{key}"] for key in graph.accounts}
    links = graph.account_contact_links()
    for key, account_id in account_ids.items():
        assert linked(by_id[account_id], "$contact") == {contact_ids[c] for a, c in links if a == key}, f"account.{key}"
    for key, contact in graph.contacts.items():
        record = by_id[contact_ids[key]]
        assert linked(record, "$account") == {account_ids[a] for a, c in links if c == key}, f"contact.{key}"
        assert record["fields"]["$name"]["value"] == contact.fields["$name"], f"contact.{key}"
    for key, deal in graph.opportunities.items():
        record = by_id[ids[f"opportunity.{key}"]]
        assert linked(record, "$account") == {account_ids[deal.links["$account"][0]]}, f"opportunity.{key}"
        assert linked(record, "$champion") == {contact_ids[deal.links["$champion"][0]]}, f"opportunity.{key}"
        assert linked(record, "$evaluator") == {contact_ids[c] for c in deal.links["$evaluator"]}, f"opportunity.{key}"
        assert record["fields"]["$stage"]["value"] == stages[deal.fields["$stage"]], f"opportunity.{key}"
    return ids
