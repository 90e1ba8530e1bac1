"""The journal's group commit: entries appended with sync=False are durable once synced() returns,
one fsync (in a worker thread) covering every entry written before it, however many callers wait."""

from __future__ import annotations

import asyncio
import os

import pytest

from lfsync.state.journal import Journal, JournalWriteFailed
from lfsync.state.records import CreateIntent


def intent(number: int) -> CreateIntent:
    return CreateIntent(seq=number, address=f"account.a{number}", idempotency_key=f"k{number}", request={}, hash="h", applied={})


def test_waiters_share_fsyncs_and_every_entry_is_readable_after(tmp_path, monkeypatch):
    journal = Journal(tmp_path / "default.journal.jsonl")
    fsyncs: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (fsyncs.append(fd), real_fsync(fd))[1])

    async def one(number: int) -> None:
        journal.append("intent", intent(number), sync=False)
        await journal.synced()

    async def all_of_them() -> None:
        await asyncio.gather(*(one(number) for number in range(1, 51)))

    asyncio.run(all_of_them())
    assert 1 <= len(fsyncs) <= 2  # fifty entries, one fsync (two when the first started before the rest were written)
    intents, outcomes = journal.read()
    assert sorted(intents) == list(range(1, 51)) and outcomes == []
    journal.close()


def test_a_failed_fsync_is_a_journal_write_failure(tmp_path, monkeypatch):
    journal = Journal(tmp_path / "default.journal.jsonl")
    journal.append("intent", intent(1), sync=False)

    def refuse(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", refuse)
    with pytest.raises(JournalWriteFailed, match="No space left on device; its request was not sent"):
        asyncio.run(journal.synced())
    journal.close()


def test_synced_returns_at_once_when_nothing_waits(tmp_path):
    journal = Journal(tmp_path / "default.journal.jsonl")
    journal.append("intent", intent(1))  # synced on append
    asyncio.run(journal.synced())
    assert sorted(journal.read()[0]) == [1]
    journal.close()
