"""Turning a plan into requests: the applier (dependency order, concurrency), dispatch of
journalled intents, recovery of an interrupted apply, protection, and the outcome counter a
progress display subclasses.
"""
