"""Small tools with no knowledge of records: atomic files, versioned JSON documents, UTF-8
decoding with positions, terminal-safe text, suggestions, the garbage-collector pause, a forked
helper process, asyncio.run for large results.
"""
