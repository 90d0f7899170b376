"""Text safe in Markdown: the one escaper of every Markdown page (the run report, the drill's
after-action report, calibration's pages), so a ``<script>`` or a ``|`` in a name stays text."""

from __future__ import annotations

import re

from markupsafe import Markup

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~$])")


def md_escape(value: object) -> str:
    """Text safe in Markdown: HTML special characters as entities, Markdown syntax backslashed."""
    if isinstance(value, Markup):
        return str(value)
    text = " ".join(str(value).split())  # one line: a value never starts a Markdown block
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    if text.startswith(">"):
        return "&gt;" + text[1:]
    return "\\" + text if text[:1] in ("#", "-", "+", "=") else text
