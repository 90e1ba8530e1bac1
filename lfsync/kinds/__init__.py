"""Record kinds as data: what lfsync needs to know of each kind of Lightfield record (address
prefix, declaration key, API path, required and read-only parts, relationship directions, how a
record reads back). `lfsync.kinds.catalogue` holds the kinds lfsync knows; accounts come first."""
