"""What lfsync remembers: the records and journal documents, the State folded from snapshot and
journal, the StateStore protocol with its local (files + flock) and PostgreSQL backends, locks.
"""
