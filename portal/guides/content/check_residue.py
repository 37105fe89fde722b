"""Refuse transcription residue in text the public sees.

Research leftovers such as "[乱码]" (garbled characters), "……（所读摘录至此中断）"
(the excerpt read breaks off) or research notes like "（报道另称）" and
"（据报道：…）" must never reach a page or a PDF. Reviewer notes (``verify``) are
not shown, so they may name such markers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from portal.guides.content.scan import Scan
from portal.guides.schema import ContentError, Path_

#: Fields that are reviewers' notes and never shown to the public.
PRIVATE_FIELDS = frozenset({"verify"})

#: (pattern, what it is) for every residue marker refused.
RESIDUE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"乱码|\ufffd"), "garbled characters ([乱码])"),
    (re.compile(r"（[^）]*中断[^）]*）|\([^)]*(?:breaks? off|cut off)[^)]*\)"),
     "a note that the excerpt read breaks off"),
    (re.compile(r"报道另称|另据报道|据报道|另一报道|\((?:the )?report(?:s|ed)? adds?\)"
                r"|\breportedly\b|\(reported:", re.IGNORECASE),
     "a research note on what a report says"),
    (re.compile(r"征求意见稿免罚条件"), "a research note on a draft"),
)


def residue(text: str) -> str | None:
    """Return what residue marker ``text`` holds, or None when it holds none."""
    for pattern, name in RESIDUE:
        if pattern.search(text):
            return name
    return None


def strings(data: Any, path: Path_ = ()) -> Iterator[tuple[Path_, str]]:
    """Yield (path, text) for every string under ``data`` outside private fields."""
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            if key not in PRIVATE_FIELDS:
                yield from strings(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from strings(value, (*path, index))


def check_residue(scan: Scan) -> None:
    """Report every residue marker in the YAML files read and in the guide bodies."""
    for doc in scan.docs.values():
        for path, text in strings(doc.data):
            found = residue(text)
            if found:
                scan.add(doc, path, f"transcription residue shown to the public: {found}; "
                         "complete the text from the source or cut it cleanly")
    for slug, bodies in scan.bodies.items():
        for language, body in bodies.items():
            file = scan.rel(scan.root / "industries" / slug / f"guide.{language}.md")
            for number, line in enumerate(body.splitlines(), start=1):
                found = residue(line)
                if found:
                    scan.errors.append(ContentError(
                        file, number, "", f"transcription residue shown to the public: "
                        f"{found}; complete the text from the source or cut it cleanly"))
