"""Check obligations.yaml files (per industry folder and common/)."""

from __future__ import annotations

from pathlib import Path

from portal.guides.content.scan import Located, Scan, items
from portal.guides.schema import Path_


def check_obligations(scan: Scan, path: Path, industry: str) -> None:
    """Check an obligations file: unique codes, known departments and laws."""
    doc = scan.load(path, "obligations")
    if doc is None:
        return
    for index, item in items(doc.data, "obligations"):
        where: Path_ = ("obligations", index)
        code = item.get("code")
        if isinstance(code, str):
            if code in scan.obligations:
                first = scan.obligations[code]
                scan.add(doc, (*where, "code"), f"duplicate obligation code '{code}' "
                         f"(first in {first.doc.file}:{first.doc.line((*first.path, 'code'))})")
            else:
                scan.obligations[code] = Located(doc, where, industry, item)
        scan.department(doc, (*where, "department"), item.get("department"))
        scan.citations(doc, (*where, "legal_basis"), item.get("legal_basis"))
