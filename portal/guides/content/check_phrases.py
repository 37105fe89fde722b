"""Check zh_hant_phrases.yaml: the reviewed Hong Kong vocabulary applied after OpenCC s2hk."""

from __future__ import annotations

from portal.core.text import s2hk
from portal.guides.content.scan import Scan

#: The phrase list's file name, at the top of the content folder.
PHRASES = "zh_hant_phrases.yaml"


def check_phrases(scan: Scan) -> None:
    """Report phrases with Simplified characters (s2hk never outputs them), no-op phrases
    and anything that is not text."""
    path = scan.root / PHRASES
    if not path.exists():
        return
    doc = scan.load(path, None)
    if doc is None:
        return
    phrases = doc.data.get("phrases") if isinstance(doc.data, dict) else None
    if not isinstance(phrases, dict):
        scan.add(doc, ("phrases",), "expected a mapping 'phrases' of s2hk output to "
                 "Hong Kong usage")
        return
    for source, target in phrases.items():
        where = ("phrases", source)
        if not isinstance(source, str) or not isinstance(target, str) or not source or not target:
            scan.add(doc, where, "phrases must map non-empty text to text")
        elif source == target:
            scan.add(doc, where, "the phrase changes nothing")
        elif simplified := [c for c in source if s2hk(c) != c]:
            scan.add(doc, where, f"the phrase has Simplified characters ({''.join(simplified)}): "
                     "list the form OpenCC s2hk outputs, since phrases apply after s2hk")
