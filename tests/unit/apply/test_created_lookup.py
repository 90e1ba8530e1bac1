"""What an old interrupted create is looked up by: its kind's identity value, as sent."""

from lfsync.apply.created_lookup import SentIdentity, sent_identity
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
