"""A run held to a bound of CPU and of wall time: the code inside is stopped (``Overrun``) the
moment it passes either, so a run that would loop or wait for ever fails its test instead of
hanging the suite.

CPU is counted by the kernel's profiling timer (``ITIMER_PROF``: this process's user and system
time), so the bound holds on a busy machine; the wall bound, wider, catches a run that waits
without computing (for input that never comes, say). Both stop the main thread with a signal, so
they reach Python code and blocking calls alike; the test must run in the main thread (pytest and
its xdist workers do)."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class Overrun(Exception):
    """A run went past its bound of CPU or wall time."""


@contextmanager
def bounded(cpu_s: float, wall_s: float | None = None) -> Iterator[None]:
    """Run the body under a bound of ``cpu_s`` seconds of CPU and ``wall_s`` (default six times
    ``cpu_s``) of wall time; past either, ``Overrun`` is raised inside the body."""
    wall_s = 6 * cpu_s if wall_s is None else wall_s
    t0 = time.monotonic()

    def stop(signum, frame):
        if signum == signal.SIGPROF:
            raise Overrun(f"more than {cpu_s:g} s of CPU")
        raise Overrun(f"more than {wall_s:g} s of wall time ({time.monotonic() - t0:.0f} s)")

    # the wall timer is a thread's signal, not ITIMER_REAL, which pytest-timeout may be using
    watchdog = threading.Timer(wall_s, signal.pthread_kill, (threading.main_thread().ident, signal.SIGUSR1))
    watchdog.daemon = True
    old = signal.signal(signal.SIGPROF, stop), signal.signal(signal.SIGUSR1, stop)
    signal.setitimer(signal.ITIMER_PROF, cpu_s)
    watchdog.start()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        watchdog.cancel()
        watchdog.join()  # its signal, if it fired, is delivered before the handler goes
        signal.signal(signal.SIGPROF, old[0])
        signal.signal(signal.SIGUSR1, old[1])
