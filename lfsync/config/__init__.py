"""The project's settings: lfsync.yaml (pydantic models: target, workspaces, backend, globs),
environment overrides and switches (LFSYNC_NO_CACHE), and the round-trip YAML reading that keeps
positions for its messages.
"""
