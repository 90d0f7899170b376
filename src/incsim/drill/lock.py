"""One lock per drill session: the driver (console, line mode, the server's facilitator) and the
server's readers take turns, so nobody ever sees half of a step."""

from __future__ import annotations

import threading
import weakref
from contextlib import AbstractContextManager
from typing import Any

_LOCKS: weakref.WeakKeyDictionary[Any, threading.RLock] = weakref.WeakKeyDictionary()
_LOCKS_BY_ID: dict[int, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()


def guard(session: Any) -> AbstractContextManager:
    """The lock that serialises a session's readers (this server's threads) and its driver (the console)."""
    with _LOCKS_GUARD:
        try:
            lock = _LOCKS.get(session)
            if lock is None:
                lock = _LOCKS[session] = threading.RLock()
        except TypeError:  # a session that cannot be weakly referenced lives as long as the process
            lock = _LOCKS_BY_ID.setdefault(id(session), threading.RLock())
    return lock
