"""Reading the organisation back: its definitions and members, refresh of managed records,
identity matches for --adopt, linked records, and records turned into declarations for export.
"""
