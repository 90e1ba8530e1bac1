"""Identity values of interrupted intents: what an old create is looked up by, what an adopt's record must hold."""

from lfsync.apply.identities import SentIdentity, holds, sent_identity
from lfsync.kinds.catalogue import ACCOUNT, CONTACT, OPPORTUNITY


def test_accounts_and_opportunities_are_found_by_the_name_they_were_sent_with():
    assert sent_identity(ACCOUNT, {"fields": {"$name": "Acme"}}) == SentIdentity("$name", "Acme")
    assert str(sent_identity(OPPORTUNITY, {"fields": {"$name": "Renewal", "$stage": "opt_x"}})) == "named 'Renewal'"


def test_a_contact_is_found_by_its_first_email_never_by_its_name_object():
    request = {"fields": {"$name": {"firstName": "Ada"}, "$email": ["ada@acme.example", "ada@globex.example"]}}
    identity = sent_identity(CONTACT, request)
    assert identity == SentIdentity("$email", "ada@acme.example")
    assert str(identity) == "with $email 'ada@acme.example'"


def test_a_create_that_sent_no_identity_value_has_none_to_look_up():
    assert sent_identity(CONTACT, {"fields": {"$name": {"firstName": "Ada"}}}) is None
    assert sent_identity(CONTACT, {"fields": {"$email": []}}) is None
    assert sent_identity(ACCOUNT, {}) is None


def test_a_record_holds_an_identity_value_in_any_unicode_spelling_and_one_email_of_several():
    assert holds("Cafe\u0301", "Caf\u00e9")
    assert not holds("Acme", "Acme Corp")
    assert holds(["ada@home.example", "ada@acme.example"], ["ada@acme.example"])
    assert not holds(["grace.ada@acme.example"], ["ada@acme.example"])
    assert not holds(None, ["ada@acme.example"])
