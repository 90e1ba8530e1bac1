"""The journal's group commit: entries appended with sync=False are durable once synced() returns,
one fsync (in a worker thread) covering every entry written before it, however many callers wait."""

from __future__ import annotations

import asyncio
import os
import threading

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


def test_after_a_failed_fsync_nothing_is_called_durable_again(tmp_path, monkeypatch):
    """The kernel may drop the pages an fsync could not write, and a later fsync succeed without
    them: once one failed, every later wait (and every append) fails too, even if fsyncs work again."""
    journal = Journal(tmp_path / "default.journal.jsonl")
    journal.append("intent", intent(1), sync=False)
    real_fsync = os.fsync

    def refuse(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", refuse)
    with pytest.raises(JournalWriteFailed, match="Input/output error"):
        asyncio.run(journal.synced())
    monkeypatch.setattr(os, "fsync", real_fsync)
    with pytest.raises(JournalWriteFailed, match="Input/output error; a request was answered"):
        asyncio.run(journal.synced("outcome"))
    with pytest.raises(JournalWriteFailed, match="Input/output error; its request was not sent"):
        journal.append("intent", intent(2), sync=False)
    journal.close()


def test_a_sync_in_flight_when_the_journal_is_closed_still_syncs_its_own_file(tmp_path, monkeypatch):
    """The worker thread syncs a duplicate descriptor: closing the journal (a compaction) meanwhile
    neither fails it nor, the descriptor number reused, points it at another file."""
    journal = Journal(tmp_path / "default.journal.jsonl")
    journal.append("intent", intent(1), sync=False)
    synced_in_thread: list[int] = []
    started, release = threading.Event(), threading.Event()
    real_fsync = os.fsync

    def held_fsync(fd: int) -> None:
        if threading.current_thread() is not threading.main_thread():  # the group commit's worker
            started.set()
            release.wait(timeout=60)
            synced_in_thread.append(os.fstat(fd).st_ino)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", held_fsync)

    async def close_while_syncing() -> None:
        waiting = asyncio.ensure_future(journal.synced())
        assert await asyncio.to_thread(started.wait, 60)
        journal.close()
        with open(tmp_path / "other", "wb"):  # may take the closed descriptor's number
            release.set()
            await waiting

    asyncio.run(close_while_syncing())
    assert synced_in_thread == [(tmp_path / "default.journal.jsonl").stat().st_ino]


def test_closing_syncs_what_was_written(tmp_path, monkeypatch):
    journal = Journal(tmp_path / "default.journal.jsonl")
    journal.append("outcome", intent(1), sync=False)
    fsyncs: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (fsyncs.append(fd), real_fsync(fd))[1])
    journal.close()
    assert len(fsyncs) == 1
    asyncio.run(journal.synced())  # closed: everything written is durable, nothing left to wait for
