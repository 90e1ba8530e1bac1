"""A local stand-in for the accounts part of the Lightfield API (see README.md here)."""

from .app import create_app
from .config import EmulatorConfig

__all__ = ["EmulatorConfig", "create_app"]
