"""The console script: a Ctrl-C at any moment, even while the libraries load, is exit 130."""

from __future__ import annotations

import sys


def main() -> None:
    """Run the ``incsim`` command line."""
    try:
        from incsim.cli import app  # pandas, scipy and matplotlib take a second to load

        app()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
