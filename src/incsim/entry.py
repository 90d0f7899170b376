"""The console script: a stop signal at any moment, even while the libraries load, ends it cleanly.

SIGINT, SIGTERM and SIGHUP exit with 128 + the signal (130, 143, 129) after one line on stderr.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Run the ``incsim`` command line."""
    from incsim import signals

    signals.install()
    try:
        from incsim.cli import app  # pandas, scipy and matplotlib take a second to load

        app()
    except KeyboardInterrupt as exc:
        _interrupted(signals.exit_code(exc))
    except SystemExit:
        # Typer turns any interruption a command did not handle into a silent exit 130
        if signals.received() is not None and not signals.reported():
            _interrupted(128 + signals.received())
        raise


def _interrupted(code: int) -> None:
    import signal

    name = signal.Signals(code - 128).name
    print("interrupted" if name == "SIGINT" else f"interrupted by {name}", file=sys.stderr)
    sys.exit(code)
