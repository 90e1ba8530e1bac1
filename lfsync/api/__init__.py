"""The Lightfield REST API as lfsync speaks it: the httpx client (auth, version header, errors,
retries, paging), pacing by the documented rate limits, and --debug's redacted exchange.
Imports nothing of lfsync above `support`.
"""
