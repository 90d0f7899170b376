"""Stop signals: SIGINT, SIGTERM and SIGHUP end a command the same way, with exit 128 + signal.

The parent turns each of them into ``Interrupted`` (a ``KeyboardInterrupt``, so every
``except KeyboardInterrupt`` clean-up runs); worker processes ignore them and leave stopping to
the parent, which cancels queued work and ends its workers itself. A worker also dies with its
parent (Linux ``PR_SET_PDEATHSIG``), so a SIGKILL of the parent leaves no orphan behind.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

STOP_SIGNALS = tuple(s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s)
"""The signals that stop a command cleanly: Ctrl-C, ``kill``, a closed terminal."""

_PR_SET_PDEATHSIG = 1
_state = {"received": None, "reported": False}


class Interrupted(KeyboardInterrupt):
    """A stop signal arrived; ``code`` is the exit status to end with (128 + the signal number)."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(int(signum))  # args hold the number, so copies and pickles rebuild it
        self.signum = int(signum)

    def __str__(self) -> str:
        return self.name

    @property
    def code(self) -> int:
        """The exit status: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP."""
        return 128 + self.signum

    @property
    def name(self) -> str:
        """The signal's name, e.g. ``SIGTERM``."""
        return signal.Signals(self.signum).name


def exit_code(exc: BaseException) -> int:
    """The exit status for an interruption: 128 + its signal (130 for a plain Ctrl-C)."""
    return exc.code if isinstance(exc, Interrupted) else 128 + signal.SIGINT


def _raise_interrupted(signum: int, frame: object) -> None:
    # the first stop signal starts the clean-up; more of them must not interrupt the clean-up itself
    for s in STOP_SIGNALS:
        signal.signal(s, signal.SIG_IGN)
    _state["received"] = int(signum)
    raise Interrupted(signum)


def received() -> int | None:
    """The stop signal this process received, if any."""
    return _state["received"]


def mark_reported() -> None:
    """Note that the command has told the user about the interruption (no second line needed)."""
    _state["reported"] = True


def reported() -> bool:
    """Whether the command already told the user about the interruption."""
    return bool(_state["reported"])


def _deliver_again(unraisable) -> None:
    """``sys.unraisablehook``: an ``Interrupted`` raised where Python cannot pass it on is sent again.

    A signal's handler runs wherever the main thread is, and that may be inside a callback whose
    exceptions Python only prints and drops (a weak reference's, such as the one the import
    system keeps for its module locks, or a ``__del__``): a stop signal arriving while a module
    was imported was lost that way, with a traceback, and the command ran on. Here the same
    signal is sent again a moment later from another thread (raised at once, its handler would
    run inside this hook, where an exception is dropped too), so the handler runs again at the
    next point Python can raise from.
    """
    exc = unraisable.exc_value
    if not isinstance(exc, Interrupted):
        _previous_unraisablehook[0](unraisable)
        return
    while True:
        signal.signal(exc.signum, _raise_interrupted)
        try:
            again = threading.Timer(_REDELIVERY_DELAY_S, os.kill, (os.getpid(), exc.signum))
            again.daemon = True  # never holds up the exit
            again.start()
            return
        except Interrupted:  # it came back before this hook returned: send it once more
            continue


_REDELIVERY_DELAY_S = 0.05


_previous_unraisablehook = [sys.unraisablehook]


def install() -> None:
    """Make every stop signal raise ``Interrupted`` in the main thread (the command's process).

    Call it before importing the libraries (as ``entry.main`` does): its exit handler runs last
    only if it is registered before theirs (``multiprocessing``'s, which waits for workers)."""
    for s in STOP_SIGNALS:
        signal.signal(s, _raise_interrupted)
    if not _state.get("exit_registered"):
        atexit.register(_ignore_at_exit)  # registered first, so it runs after every other exit handler
        _state["exit_registered"] = True
    if sys.unraisablehook is not _deliver_again:
        _previous_unraisablehook[0] = sys.unraisablehook
        sys.unraisablehook = _deliver_again


def _ignore_at_exit() -> None:
    """The last exit handler: the command and every other exit handler are done, so a stop signal
    has nothing left to stop. Python's shutdown then sets every signal with a Python handler back
    to the default (which kills the process) for its last moments, tearing down modules, a
    quarter of a second after a report: a signal landing there ended a finished command as
    killed. Ignored signals stay ignored through the shutdown."""
    for s in STOP_SIGNALS:
        signal.signal(s, signal.SIG_IGN)


@contextmanager
def deferred() -> Iterator[None]:
    """Hold stop signals back while a short step that must not be cut runs (re-raised after it)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread receives signals in Python
        return
    caught: list[int] = []
    previous = {s: signal.getsignal(s) for s in STOP_SIGNALS}
    for s in STOP_SIGNALS:
        signal.signal(s, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if caught:
            handler = previous.get(caught[0])
            if callable(handler):
                handler(caught[0], None)
            elif handler != signal.SIG_IGN:
                raise Interrupted(caught[0])


def worker_init() -> None:
    """Worker start-up: ignore stop signals (the parent stops the pool) and die with the parent."""
    for s in STOP_SIGNALS:
        signal.signal(s, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # best effort: without it an orphan still exits when its task queue closes


__all__ = [
    "Interrupted",
    "STOP_SIGNALS",
    "deferred",
    "exit_code",
    "install",
    "mark_reported",
    "received",
    "reported",
    "worker_init",
]
