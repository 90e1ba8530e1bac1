"""How tests use the official SDK as another client of a served emulator (a demo user, a tool).

Its calls follow lfsync's runs at once, and an organisation's rate-limit buckets are shared by
every client: a 429 there is the API's answer to the pair, not to either. The SDK waits it out
as its users' programs do (Retry-After); these emulators inject no other fault to retry."""

SDK_RETRIES = 2
