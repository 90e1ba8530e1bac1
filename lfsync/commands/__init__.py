"""One module per CLI command; `lfsync.cli` wires them into the `lfsync` group."""
