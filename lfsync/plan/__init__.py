"""The plan: desired payloads and their hashes, the pure planner, the Plan model with its
actions, saved plans and their staleness checks. Never imports the client.
"""
