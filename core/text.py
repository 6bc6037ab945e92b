"""Text people type, made one clean line before it is checked or stored."""

from __future__ import annotations

import re

# Control characters that are not white space (a bell, a terminal's escape, NUL), and the
# invisible controls of bidirectional text (embeddings, overrides, isolates): pasted into a
# name, they make it print backwards on a parcel or repaint a support agent's terminal.
_CONTROLS = re.compile(
    "["
    + "".join(
        re.escape(chr(code))
        for code in (*range(0x20), *range(0x7F, 0xA0))
        if not chr(code).isspace()
    )
    + "\u202a-\u202e\u2066-\u2069]"
)


def one_line(value: object) -> str:
    """``value`` as one line of plain text: control characters dropped, each run of white
    space (line breaks and tabs too) folded to one space, the ends stripped."""
    return " ".join(_CONTROLS.sub("", str(value or "")).split())
