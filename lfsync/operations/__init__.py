"""What the commands do, one module per workflow: load and check a project, plan, apply,
import, validate, export, definitions, workspaces, state edits, fmt, init. The only layer that wires
I/O together; it reaches the screen only through the terminal a command passes in (terminal.py).
"""
