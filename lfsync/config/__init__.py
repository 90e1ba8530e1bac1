"""The project's settings: lfsync.yaml (target, workspaces, backend, globs), environment
overrides, and the round-trip YAML reading that keeps positions for its messages.
"""
