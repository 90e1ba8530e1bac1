"""LIGHTFIELD_API_KEY_FILE names a mounted secret: only a regular file of at most 64 KiB is read.
A FIFO (which would wait for a writer forever), a device such as /dev/zero (endless) and a
directory are refused at once, with the variable and the file named and nothing sent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lfsync.support.secretfile import MAX_SECRET_FILE_BYTES, SecretFileError, read_secret_file

REMOTE = "https://api.example.com"  # never contacted: the key is refused before any request


def plan_with_key_file(cli, project: Path, key_file: Path):
    return cli("plan", project, env={"LIGHTFIELD_BASE_URL": REMOTE, "LIGHTFIELD_API_KEY_FILE": str(key_file)})


def assert_refused(result, key_file: Path, why: str) -> None:
    assert result.exit_code == 1, result.output
    assert f"cannot read the API key from LIGHTFIELD_API_KEY_FILE ({key_file}): {why}" in result.stderr
    assert "Traceback" not in result.output and len(result.output) < 1000


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_dev_zero_is_refused_as_a_device_without_reading_it(project, cli):
    assert_refused(plan_with_key_file(cli, project, Path("/dev/zero")), Path("/dev/zero"), "a device, not a regular file")


def test_a_fifo_is_refused_without_waiting_for_a_writer(project, cli, tmp_path):
    fifo = tmp_path / "key.fifo"
    os.mkfifo(fifo)  # nobody ever writes to it: opening it for reading without O_NONBLOCK would wait forever
    assert_refused(plan_with_key_file(cli, project, fifo), fifo, "a FIFO (named pipe), not a regular file")


def test_a_directory_is_refused(project, cli, tmp_path):
    assert_refused(plan_with_key_file(cli, project, tmp_path), tmp_path, "a directory, not a regular file")


def test_a_file_larger_than_a_key_is_refused_without_showing_it(project, cli, tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("sk_lf_" + "k" * MAX_SECRET_FILE_BYTES)
    result = plan_with_key_file(cli, project, key_file)
    assert_refused(result, key_file, "the file is larger than 64 KiB")
    assert "sk_lf_" not in result.output


def test_a_key_file_is_read_up_to_its_limit_without_its_line_break(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("k" * (MAX_SECRET_FILE_BYTES - 1) + "\n")
    assert read_secret_file(str(key_file), "VARIABLE") == "k" * (MAX_SECRET_FILE_BYTES - 1)
    key_file.write_bytes(b"\xff\xfe")
    with pytest.raises(SecretFileError, match=r"VARIABLE \(.*key\): not UTF-8 text"):
        read_secret_file(str(key_file), "VARIABLE")


def test_the_crash_report_reads_the_key_file_with_the_same_bounds(tmp_path):
    from lfsync.support.crashreport import known_secrets

    fifo = tmp_path / "key.fifo"
    os.mkfifo(fifo)
    assert known_secrets({"LIGHTFIELD_API_KEY_FILE": str(fifo)}, None) == []  # returns: it did not wait
    key_file = tmp_path / "key"
    key_file.write_text("sk_lf_from_file\n")
    assert "sk_lf_from_file" in known_secrets({"LIGHTFIELD_API_KEY_FILE": str(key_file)}, None)
