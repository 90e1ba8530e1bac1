"""Declaration files in, declarations out: the YAML and CSV readers with positions, the
address vocabulary, offline checks, the parse cache, the JSON Schema and `lfsync fmt`.
Pure of the network: it never imports the client.
"""
