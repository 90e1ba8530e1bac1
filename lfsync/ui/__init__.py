"""What a person sees: plans rendered as text, markdown and JSON, apply summaries, progress bars
and lines, the two consoles.
"""
