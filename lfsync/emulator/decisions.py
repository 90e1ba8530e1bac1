"""Every choice the emulator makes where Lightfield's docs and SDK are silent.

Numbers 1-11 follow "What the emulator decides where the sources are silent" in
lightfield-api.md; 12 onwards are decisions taken while building the emulator.
Other modules import the constants from here, so changing a choice is a one-line
edit. The prose of each decision lives in DECISIONS below; the main README lists
them (tests/integration/test_readme.py keeps the two the same).
"""

from __future__ import annotations

# -- Transport ---------------------------------------------------------------
API_VERSION = "2026-03-01"
"""8. The only accepted `Lightfield-Version`; checked after auth and scopes."""

CREATE_STATUS = 200
"""2. A successful create answers 200, not 201."""

REPLAYED_HEADER = "Idempotent-Replayed"
REQUEST_ID_HEADER = "X-Request-Id"
"""2. Invented by the emulator (the docs name neither); not sent in the docs-literal mode."""

DOCS_LITERAL_IN_FLIGHT_BODY = {
    "type": "idempotency_conflict",
    "message": "An operation with this idempotency key is already in progress. Please wait and retry.",
}
"""23. The in-flight answer exactly as Lightfield's idempotency page shows it (docs-literal mode)."""

# -- Serving -------------------------------------------------------------------
MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32
"""24. Request bodies above 1 MiB -> 413; JSON nested deeper than 32 -> 400 invalid_type."""

# -- Records -------------------------------------------------------------------
ID_RANDOM_LENGTH = 20
"""12. IDs are `<prefix>_c` + 20 lowercase base-36 characters (cuid-like)."""

ID_PREFIX_BY_OBJECT_TYPE = {
    "account": "acc",
    "contact": "con",
    "member": "mem",
    "opportunity": "opp",
    "task": "task",
    "note": "note",
    "meeting": "meet",
    "user": "usr",
    "list": "list",
}

HTTP_LINK_PATH = "/app/{path}/{id}"
"""13. `httpLink` points at the emulator itself (a read-only HTML view, no auth); path: accounts,
contacts, opportunities, tasks, notes or lists."""

FIXTURE_RECORD_CREATED_AT = "2026-01-01T00:00:00.000Z"
"""10. When the fixture's contacts were created (they are stored as records when first served)."""

MISSING_PARAM = {
    "$name": "fields.name", "$stage": "fields.stage", "$account": "relationships.account",
    "$title": "fields.title", "$status": "fields.status", "$assignedTo": "relationships.assignedTo",
    "$objectType": "fields.objectType",
}
"""5, 26, 29-31. The `param` of a 422 parameter_missing for a required part (accounts' `fields.name` is
documented)."""

# -- Contacts and opportunities (26) ---------------------------------------------------
OPPORTUNITY_AMOUNT_CURRENCY = "USD"
OPEN_OPPORTUNITY_STATUS = "Open"
OPPORTUNITY_STATUS_BY_STAGE_LABEL = {"closed won": "Won", "closed lost": "Lost"}
"""26. `$opportunityStatus` (read-only) follows the stage: Won, Lost (by the stage label), else Open."""

# -- Tasks, notes, lists (29-31) --------------------------------------------------------
TASK_STATUSES = ("TODO", "IN_PROGRESS", "COMPLETE", "CANCELLED")
"""29. `$status` is a SINGLE_SELECT whose option IDs are the statuses themselves (it reads back `TODO`)."""

NOTE_AUTHOR_KEY = "$author"
"""30. The note author (the API key's member), a read-only has_one member relationship."""

LIST_OBJECT_TYPES = ("account", "contact", "opportunity")
LIST_TARGET_KIND = "target"
LIST_TARGET_OBJECT_TYPES = ("account", "contact")
"""31. What a list holds (`$objectType` reads back `$account`, `$contact` or `$opportunity`) and the one
`$kind` there is (`target`: account and contact lists, one active per organisation)."""

PIPELINE_FIELD_DESCRIPTION = "Write hint for a `$stage` label (a pipeline ID or name); not stored."

# -- Idempotency ---------------------------------------------------------------
IDEMPOTENCY_KEY_MAX_LENGTH = 255
IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60
IDEMPOTENT_OPERATIONS = frozenset(
    f"{path}.{operation}" for path in ("accounts", "contacts", "opportunities", "tasks", "notes", "lists")
    for operation in ("create", "update")
)
"""3. Only create and update honour `Idempotency-Key`; other operations ignore it."""

IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS = 300.0
"""14. An in-flight claim is abandoned when the process holding it is gone (same
host) or after this many seconds; the next request with the key then runs again."""

# -- Lists, filters, history ------------------------------------------------------
LIST_DEFAULT_LIMIT = 25
LIST_MAX_LIMIT = 25
HISTORY_DEFAULT_LIMIT = 20
HISTORY_MAX_LIMIT = 100
HISTORY_COLUMN_BACKED_FIELDS = frozenset({"$name"})
"""20. The system fields kept in a column, not as attributes: their field history is refused
(the docs: "column-backed system fields return an error"; which fields those are is not said)."""
RESERVED_LIST_PARAMS = frozenset({"limit", "offset", "status"})

DEFAULT_INDEX_LAG_MS = 0.0
"""11. List (search) results lag writes by this much; retrieve is always fresh."""

# -- Relationships -----------------------------------------------------------------
RELATIONSHIP_WRITE_LIMIT = 25
"""More than this many IDs in one request's relationships -> 422."""

SYSTEM_RELATIONSHIP_SLUG = "${owner}-{name}"
"""15. Relationship filters accept the key (`$contact`) or the definition slug
(`$account-contact`, `$opportunity-account`); custom relationships' slug is their key."""

# -- Values (18) ----------------------------------------------------------------------
MAX_SAFE_INTEGER = 2**53 - 1
"""Documented: NUMBER and CURRENCY stay within the safe-integer range (and take at most 2 decimals)."""

E164_DIGITS = (8, 15)
"""18. A number written with `+` ("valid E.164") has 8-15 digits, the first not 0."""

LOCAL_PHONE_DIGITS = (7, 15)
"""Documented: a number that is not US is tried as a 7-15 digit local number."""

PHONE_EXTENSION_MAX_DIGITS = 10
"""18. An extension (`x100`, `ext:100`, `#100`, `;ext=100`) has 1-10 digits."""

# -- Rate limits ---------------------------------------------------------------------
DEFAULT_RATE_PER_SECOND = 25.0
MIN_BUCKET_CAPACITY = 1.0
"""16. Bucket capacity = rate, but never below one token (so rates < 1/s still work)."""

# -- Faults -----------------------------------------------------------------------------
FAIL_STATUSES = (500, 503)
"""17. An injected failure is 500 or 503, picked by the seeded RNG."""

GATEWAY_TIMEOUT_STATUS = 504
"""17. The gateway-timeout fault answers 504 while the write goes on in the background."""

# -- Enrichment (9) ----------------------------------------------------------------
ENRICHED_ACCOUNT_STATUS_LABEL = "Prospect"
HOW_THEY_MAKE_MONEY_TEMPLATE = (
    "**{name}**: revenue model not researched yet (filled in by the local emulator, "
    "as Lightfield's enrichment would)."
)

DECISIONS: list[tuple[int, str]] = [
    (1, "Every error is wrapped in {\"error\": {type, message, code?, param?}}, 409 and 429 included "
        "(the errors page's form; the docs-literal mode answers the OpenAPI spec's top-level form)."),
    (2, "A successful create answers 200. Replays add `Idempotent-Replayed: true`; every response "
        "carries `X-Request-Id` (both invented: the docs-literal mode sends neither) and the "
        "`X-RateLimit-*` headers of its category."),
    (3, "Idempotency cache key = (organisation, operation type, key). Only create and update honour "
        "it, for every record type. A reused key with a different body (or, for update, a different "
        "record) replays the original response. Kept 24 h (injectable clock); any non-2xx original is not kept."),
    (4, "Records carry only fields that have a value; every defined, readable relationship appears "
        "(`values: []` when empty), read-only ones (an account's or opportunity's $task, $note, $meeting, "
        "an account's $opportunity) included. "
        "Record relationships use lower-case `has_one`/`has_many`; definitions use upper case. "
        "`externalId` is always null."),
    (5, "Validation: unknown key -> 400 unknown_field / unknown_relationship; wrong value or shape "
        "-> 400 invalid_type; missing or blank `$name` -> 422 parameter_missing with param "
        "`fields.name` (other params keep the key as written, e.g. `fields.$website`); writing a "
        "read-only field/relationship (and MARKDOWN/HTML) -> 422 invalid_configuration; unknown "
        "select label -> 400 invalid_type; an `opt_` ID that is not an option of the field -> 422 "
        "referenced_resource_missing; bad limit/offset/status/operator -> 400 invalid_type with "
        "param = the query key; unknown filter key -> 400 unknown_field; `skipEnrichment` or any "
        "other unknown top-level key on update -> 400 unknown_field."),
    (6, "`$owner` is has_one (a list of one is accepted on create). Update operations in one object "
        "apply replace, then remove, then add; removing an absent link or adding a present one is a "
        "no-op; `replace` also accepts a list. A has_one relationship left holding two IDs -> 400 "
        "invalid_type (use replace). Removed IDs are checked for shape only."),
    (7, "A trashed record (account, contact, opportunity, task, note): retrieve returns it (404 in the docs-literal "
        "mode); update -> 404; relating to it -> 422 "
        "relationship_entity_inactive; it appears only in status=trashed lists. Relationship "
        "targets: wrong ID prefix -> 400 invalid_type; unknown ID -> 422 relationship_entity_missing; "
        "an account relating to itself -> 422 invalid_configuration."),
    (8, "Token bucket per (organisation, category), capacity = rate, continuous refill; 401/403 "
        "answers take no token, every other answer (404, 400 version_header, ...) does. Only "
        "version 2026-03-01 is accepted, checked after auth, scopes and the rate limit. Retry-After "
        "is whole seconds, at least 1; X-RateLimit-Reset is the unix second the bucket is full."),
    (9, "On create the emulator fills `$howTheyMakeMoney` (MARKDOWN) and `$accountStatus` "
        "(SINGLE_SELECT, \"Prospect\") itself, with or without skipEnrichment, so clients learn to "
        "leave unmanaged fields alone. Nothing else is enriched."),
    (10, "The organisation comes from a YAML fixture (default_org.yaml ships with lfsync): custom "
         "fields, select options and custom relationships of accounts, contacts and opportunities, "
         "opportunity pipelines, members, the contacts it starts with (stored as contact records, "
         "created 2026-01-01, when first served), API keys and scopes. "
         "auth/validate lists a limited key's scopes, and none for a key with every scope; a key "
         "with `validateListsScopes: false` lists none either (the docs do not promise the list)."),
    (11, "List index lag is 0 by default and settable (--index-lag-ms): a list sees each account "
         "as it was `lag` ago (new ones missing, updates and trash moves not yet visible)."),
    (12, "IDs look like Lightfield's: prefix + `_c` + 20 lowercase base-36 characters. Select option "
         "and definition IDs in the fixture are derived from the field key and label, so they are "
         "stable across restarts."),
    (13, "`httpLink` is `<emulator base URL>/app/<accounts|contacts|opportunities|tasks|notes|lists>/<id>`, "
         "a read-only HTML view."),
    (14, "An in-flight idempotency claim is held in SQLite with its owner process; it is abandoned "
         "(the key runs again) when that process is gone or after 300 s."),
    (15, "Filters: text matching (equal, startsWith, contains) is case-insensitive, like a search "
         "index; NUMBER/CURRENCY/DATETIME compare numerically (filter datetimes without offset are "
         "UTC); an unset CHECKBOX filters as false; multi-valued fields match when any value does; "
         "FULL_NAME equal compares \"first last\", startsWith any part; ADDRESS matches when any "
         "component does; SELECT filters take an option ID or label. A missing field never matches, "
         "so a negated filter matches it. Relationship filters take `contains` (default) or "
         "`equal` (the same, as documented), negated or not, by key or slug (`$account-contact`), "
         "and `key:asSource` / "
         "`key:asDestination` for self-referential ones. Repeated keys are AND-ed."),
    (16, "Bucket capacity is max(rate, 1) so fractional test rates still admit a request."),
    (17, "Faults (all off by default, seeded RNG): latency (+ uniform jitter) is spent after the "
         "idempotency claim, so a concurrent retry sees 409; fail_rate answers 500 or 503 before "
         "anything is stored; drop_after_commit_rate commits the write and its idempotency entry, "
         "then drops the connection (under uvicorn) or answers 500 (in-process); "
         "gateway_timeout_rate answers a write 504 at once while the write (latency, then the "
         "operation) runs to completion in the background, so a prompt retry with the same key "
         "sees 409 and a later one the replay."),
    (18, "Values (the emulator's own rules, in values.py, phones.py, weblinks.py and datetimes.py, "
         "written apart from lfsync's and checked with them against one table of documented examples, "
         "tests/emulator/test_documented_values.py): NUMBER and CURRENCY take at most 2 decimals "
         "within +/-(2^53-1), a whole number reads back as an integer; DATETIME takes an ISO 8601 "
         "calendar date and time with an offset (extended or basic, not mixed; minutes, seconds and a "
         "fraction optional; offset Z, +HH, +HHMM or +HH:MM; no week or ordinal dates, nothing without "
         "a UTC form) and reads back as UTC `YYYY-MM-DDTHH:MM:SS.sssZ` (milliseconds, the rest cut "
         "off); EMAIL is one `@` before a dotted domain and reads back as a list; URL without a scheme "
         "gets `https://`, must be http or https with a dotted host (no empty label) and a valid port; "
         "a multi-valued URL reads back as a list, a single one as a string; TELEPHONE: ASCII digits, "
         "separators space, `-`, `.`, `()`, `/`; `+` numbers must be 8-15 digits, the first not 0; a "
         "US number is NANP-shaped (10 digits, or 11 starting with 1, area code and exchange starting "
         "2-9) and reads back as +1...; other 7-15 digit numbers are kept as local digits; extensions "
         "of 1-10 digits (x, ext, ext., extension, #, ;ext=) become `;ext=N`; ADDRESS country is "
         "upper-cased, latitude within +/-90, longitude +/-180; SOCIAL_HANDLE URLs get `https://` if "
         "missing and may have one `www.`, `m.` or regional (`uk.`, `de-de.`) subdomain and a query: "
         "x.com or twitter.com/<1-15 word characters>, linkedin.com/in/ or /company/<slug>, "
         "facebook.com/<path>, instagram.com/<1-30 word characters or dots>; select labels match "
         "regardless of case (nothing else is folded); a value given twice in a list is kept once; "
         "null or an empty list clears."),
    (19, "Self-referential relationships (parentAccount) are written through the bare key, which "
         "sets the `asSource` direction; records show merged `values` (source then destination) plus "
         "`directions`. Links from trashed records are not shown on the other side."),
    (20, "An update that changes nothing keeps `updatedAt` and adds no history entry. Field history "
         "exists for every defined field but the column-backed `$name` of every record type (400 "
         "invalid_type with param `fieldKey`); it starts at the first value, collapses repeats, and a cleared field records "
         "null. Every write, through lfsync or not, records its entries at the emulator's clock "
         "(`recordedAt`, the time that stamps `updatedAt`). The `after` cursor is opaque."),
    (21, "Storage is one SQLite file (WAL) or `:memory:`; every transaction runs under one lock "
         "with BEGIN IMMEDIATE, so concurrent requests and several processes on one file are safe. "
         "Rate-limit buckets live in memory and start full."),
    (22, "An unknown path or method -> 404 not_found (after auth). Members list is a Search "
         "request, members retrieve a Read. Listing trashed records needs `<type>:restore` "
         "(accounts:restore, contacts:restore, opportunities:restore, tasks:restore, notes:restore)."),
    (23, "The docs-literal mode (`--docs-literal`) serves the documented forms literally: no "
         "invented headers, errors at the top level ({type, message, code?, param?}), the in-flight "
         "409 exactly as the idempotency page shows it ({\"type\": \"idempotency_conflict\", "
         "\"message\": ...}, no code, no param), Retry-After as an HTTP date, and a trashed account "
         "answers 404 on retrieve. lfsync's recovery, crash and conformance tests run in both modes."),
    (24, "Limits of the server: a request body above 1 MiB -> 413 payload_too_large (before it is "
         "parsed); JSON nested deeper than 32 levels -> 400 invalid_type with param `body`."),
    (25, "The account page (`httpLink`) takes no API key, so it answers only requests from a "
         "loopback address (others get 403). `lfsync emulator serve` binds loopback by default and "
         "refuses any other `--host` unless `--allow-remote` is given (then it warns: the fixture's "
         "keys are well known)."),
    (26, "Contacts and opportunities are served like accounts (the same endpoints, scopes "
         "`contacts:*`/`opportunities:*`, rate categories, idempotency, history, filters, trash). "
         "Where the sources are silent: contact `$title` is TEXT, `$doNotContact` CHECKBOX, "
         "`$instagram` SOCIAL_HANDLE, `$profilePhotoUrl` a single URL; a contact needs no field "
         "and takes skipEnrichment (nothing is enriched); opportunity `$amount` is CURRENCY (USD); "
         "an opportunity needs `$name`, `$stage` (D-opp, GoOld) and `$account`, else 422 "
         "parameter_missing with param `fields.name`, `fields.stage` or `relationships.account` "
         "(clearing one on update too) and takes no skipEnrichment (400 unknown_field); "
         "`$opportunityStatus` (read-only) follows the stage: Won for a `Closed Won`, Lost for a "
         "`Closed Lost` stage, else Open. Cardinalities: contact `$account` has_many, `$owner` "
         "has_one; opportunity `$account`, `$owner`, `$champion`, `$createdBy` has_one, "
         "`$evaluator` has_many. An opportunity's `$account` may change (replace). Trashing a "
         "record leaves the records linked to it alone. Contact `$email` is not unique."),
    (27, "Pipelines: opportunity definitions carry `$pipeline` (a SINGLE_SELECT of the pipelines, "
         "`pd_` IDs) and `$stage` (options with `parentId` = their pipeline, `parentFieldKey` "
         "`$pipeline`); records carry no `$pipeline` (a hint, not stored). A stage write takes an "
         "option ID (with a `$pipeline` hint that does not own it -> 422 "
         "stage_unresolved_in_pipeline) or a label (case and whitespace folded) resolved in the "
         "hinted pipeline (a `pd_` ID or a name), else in the default one (the fixture's "
         "`default: true`; the default fixture's \"New business\"); not found there -> 422 "
         "stage_unresolved_in_pipeline with `pipelineId` and `candidates`. With no default "
         "pipeline a label must name one stage of all pipelines, else 422 ambiguous_stage_label "
         "with `candidates` (empty for a label of no pipeline). An unknown hint -> 422 "
         "unknown_pipeline with `activePipelineIds`; a hint without `$stage` -> 422 "
         "parameter_missing with param `fields.stage`. A pipeline the fixture marks `active: false` "
         "is retired: absent from definitions, hints (-> unknown_pipeline) and filters, while a "
         "write of one of its stage option IDs -> 422 stage_unresolved_in_pipeline with its "
         "`pipelineId` and the active stages of that label as `candidates`. "
         "Filters: `$pipeline[equal]` takes IDs only "
         "(else 400 unknown_pipeline), at most one positive one (else 400 invalid_type); a "
         "`$stage` label filter needs it when the label is in several pipelines (400 "
         "ambiguous_stage_label; a label of no pipeline too, with no candidates), and one not in "
         "that pipeline -> 400 stage_unresolved_in_pipeline. Error details sit beside `code` in "
         "both API modes."),
    (28, "Links across types: the account-contact link is one link with two writable sides, "
         "stored once: a contact's `$account` writes (create values and add/remove/replace) change "
         "the accounts' `$contact`, and either side reads it back (the account's `updatedAt` "
         "stays). An account's `$opportunity` lists the opportunities whose `$account` names it "
         "(read-only, 422 invalid_configuration on write). A side computed from the other record "
         "(a contact's `$account`, an account's `$opportunity` and `$contact`) shows active records "
         "only; an opportunity's own `$account`, `$champion`, `$evaluator` show what was written."),
    (29, "Tasks are served like contacts (the same endpoints, scopes `tasks:*`, rate categories, "
         "idempotency, filters, trash and restore) but have no field history (404), no custom fields "
         "(the fixture refuses `tasks.customFields`) and no skipEnrichment. `$title` (TEXT), `$status` and the `$assignedTo` "
         "relationship are required, else 422 parameter_missing with param `fields.title`, `fields.status` "
         "or `relationships.assignedTo` (clearing one on update too). `$status` is a SINGLE_SELECT whose "
         "option IDs are `TODO`, `IN_PROGRESS`, `COMPLETE`, `CANCELLED`, so it reads back as written (a "
         "label matches regardless of case); another value -> 400 invalid_type. `$description` is MARKDOWN "
         "and writable, `$dueAt` a DATETIME (decision 18). `$assignedTo`, `$account`, `$opportunity`, "
         "`$createdBy` are has_one; `$note` is read-only and empty (notes name no task). `$createdBy` left "
         "unwritten is the API key's member (the fixture's `member:` of the key; the default fixture's "
         "full key is Ada's), else the assignee. An account's or opportunity's `$task` lists the active "
         "tasks whose `$account` or `$opportunity` names it (read-only, as in decision 28)."),
    (30, "Notes are served like tasks (scopes `notes:*`, no field history, no custom fields). `$title` "
         "(TEXT) is required (422 parameter_missing, param `fields.title`); `$content` is MARKDOWN and "
         "writable. `$account`, `$opportunity`, `$contact`, `$meeting` are has_many and updated with `add` "
         "and `remove` only: `replace` -> 400 invalid_type with param `relationships.<key>`. Meetings are "
         "not served, so a `$meeting` ID -> 422 relationship_entity_missing. The author is `$author`, a "
         "read-only has_one member relationship set to the API key's member (empty for a key with none). "
         "An account's or opportunity's `$note` lists the active notes that name it (read-only)."),
    (31, "Lists: IDs `list_c...`; a list is `{id, createdAt, httpLink, fields}` with TEXT fields; "
         "`$objectType` reads back with its `$` (the bare form is accepted on create) and cannot change "
         "(422 invalid_configuration); `$name` and `$objectType` are required (422 parameter_missing, "
         "param `fields.name` or `fields.objectType`), another object type -> 400 invalid_type; `$kind` is "
         "`target` or null (else 400 invalid_type), on account and contact lists only and on one active "
         "list per organisation (else 422 invalid_configuration). Members are written with the key of the "
         "list's type (`$accounts` for an account list; another list key -> 422 invalid_configuration, an "
         "unknown key -> 400 unknown_relationship); a wrong ID prefix -> 400 invalid_type, an unknown "
         "member -> 422 relationship_entity_missing, a trashed one -> 422 relationship_entity_inactive; "
         "update takes `add` and `remove` (remove first), `replace` -> 400 invalid_type; the 25-ID limit "
         "holds. Member reads page the active members, newest `createdAt` first, each in its type's "
         "record form; the path of another type answers an empty page. `GET /v1/lists` pages the active "
         "lists and takes only `limit` and `offset` (else 400 unknown_field), member reads too (they do "
         "not lag: decision 11 applies to `GET /v1/lists`). Delete "
         "trashes a list and leaves its members (again: a no-op); a trashed list answers retrieve (404 in "
         "the docs-literal mode) while update and member reads -> 404, and there is no restore "
         "(`POST /v1/lists/{id}/restore` -> 404 not_found), nor definitions, filters or history. Scopes "
         "`lists:create|read|update|delete`; member reads also need `<type>:read`."),
]
