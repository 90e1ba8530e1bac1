import io

from lfsync.plan.actions import ApplyOutcome
from lfsync.ui.progress import PlainProgress


def test_plain_progress_prints_a_line_every_interval_and_at_the_end():
    clock = [0.0]
    stream = io.StringIO()
    progress = PlainProgress(stream=stream, interval=5.0, clock=lambda: clock[0])
    progress.start(10)
    for second in range(1, 8):
        clock[0] = float(second)
        progress.count(ApplyOutcome.CREATED)
    progress.retried()
    progress.count(ApplyOutcome.FAILED)
    progress.stop()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2  # one 5 s in, one at the end
    assert lines[0] == "apply: 5/10 (50%) created=5 failed=0 1.0 accounts/s, ETA 5s"
    assert lines[1] == "apply: 8/10 (80%) created=7 failed=1 retried=1 1.1 accounts/s, ETA 2s"


def test_applies_at_once_share_one_display_that_stops_when_all_are_done():
    from lfsync.plan.actions import ApplyOutcome
    from lfsync.ui.progress import Progress, SharedProgress

    class Recorded(Progress):
        def __init__(self) -> None:
            super().__init__()
            self.starts: list[int] = []
            self.stops = 0

        def start(self, total: int) -> None:
            super().start(total)
            self.starts.append(total)

        def stop(self) -> None:
            self.stops += 1

    display = Recorded()
    shared = SharedProgress(display)
    eu, us = shared.part(), shared.part()
    eu.start(3)
    us.start(2)
    eu.count(ApplyOutcome.CREATED)
    us.count(ApplyOutcome.FAILED)
    us.retried()
    assert (display.starts, display.total, display.done, display.retries) == ([3], 5, 2, 1)
    us.stop()
    assert display.stops == 0
    eu.stop()
    assert display.stops == 0  # a workspace may still start applying (its reads took longer)
    shared.finish()
    assert display.stops == 1
    assert (eu.done, us.done) == (1, 1)


def test_a_part_starting_after_another_finished_adds_to_the_same_totals():
    """reset --all-workspaces showed 5/3 (167%): the display restarted with the later part's total."""
    from lfsync.ui.progress import SharedProgress

    stream = io.StringIO()
    shared = SharedProgress(PlainProgress(stream=stream, interval=3600.0))
    early, late = shared.part(), shared.part()
    early.start(3)
    for _ in range(3):
        early.count(ApplyOutcome.CREATED)
    early.stop()
    late.start(2)
    for _ in range(2):
        late.count(ApplyOutcome.RESTORED)
    late.stop()
    shared.finish()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("apply: 5/5 (100%) created=3 restored=2 failed=0 ")
