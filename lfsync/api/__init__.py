"""The Lightfield REST API as lfsync speaks it: the httpx client (auth, version header, errors,
retries, paging; calls take a record kind), typed records parsed once from every answer
(records.py: nothing above this package reads wire JSON), pacing by the documented rate limits,
and --debug's redacted exchange. Imports nothing of lfsync above `kinds`.
"""
