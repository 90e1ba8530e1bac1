"""Where there is neither colour nor a terminal (CI logs, pipes, files), output is written as it
is, without rich; what rich would call a terminal (a TTY, FORCE_COLOR, TTY_COMPATIBLE) still gets it."""

from __future__ import annotations

import io

import pytest

from lfsync.commands.output import say
from lfsync.ui import console


@pytest.fixture
def fresh_consoles(monkeypatch):
    monkeypatch.setattr(console, "_stdout", None)
    monkeypatch.setattr(console, "_stderr", None)
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)


def test_text_goes_out_as_it_is(fresh_consoles, capsys):
    assert isinstance(console.stdout(), console.PlainConsole)
    say("Plan: 1 to create, 0 to update, 0 to delete.", "bold")
    console.stdout().out("account.acme", "account.globex", end="")
    assert capsys.readouterr().out == "Plan: 1 to create, 0 to update, 0 to delete.\naccount.acme account.globex"


@pytest.mark.parametrize("variable", ["FORCE_COLOR", "TTY_COMPATIBLE"])
def test_a_terminal_said_to_be_one_gets_rich(fresh_consoles, monkeypatch, variable):
    monkeypatch.setenv(variable, "1")
    assert not isinstance(console.stdout(), console.PlainConsole)


def test_a_reader_that_left_silences_stdout_once(fresh_consoles, monkeypatch):
    class Gone(io.StringIO):
        def write(self, text):
            raise BrokenPipeError

    silenced: list[bool] = []
    monkeypatch.setattr(console, "silence_stdout", lambda: silenced.append(True))
    monkeypatch.setattr("sys.stdout", Gone())
    plain = console.stdout()
    plain.out("first")
    plain.out("second")
    assert plain.quiet and silenced == [True]
