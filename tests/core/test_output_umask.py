"""Writing a file neither reads nor changes the process umask (it is read once, at import)."""

from __future__ import annotations

import os
import stat

from incsim import files as output


def test_atomic_write_leaves_the_umask_alone_and_honours_it(tmp_path, monkeypatch):
    def no_umask(_mask):
        raise AssertionError("os.umask called while writing")

    monkeypatch.setattr(output.os, "umask", no_umask)
    target = tmp_path / "a.txt"
    output.atomic_write(target, "x")
    assert target.read_text() == "x"
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~output.UMASK


def test_the_umask_read_at_import_is_the_process_umask():
    current = os.umask(0o022)
    os.umask(current)
    assert output._read_umask() == current
