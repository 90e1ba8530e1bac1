"""What the commands do, one module per workflow: load and check a project, plan, apply,
import, validate, export, definitions, workspaces. The only layer that wires I/O together.
"""
