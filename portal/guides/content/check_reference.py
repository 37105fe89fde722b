"""Check the reference files: industries.yaml, departments.yaml, laws.yaml, sources.yaml."""

from __future__ import annotations

import re

from portal.guides.content.model import COMMON
from portal.guides.content.scan import Located, Scan, items
from portal.guides.schema import ContentError, Path_, read_yaml


def check_reference(scan: Scan) -> None:
    """Check the reference files; remember divisions, departments, laws and lists for later."""
    file = scan.root / "industries.yaml"
    industries = read_yaml(file, scan.rel(file), scan.errors)
    if industries is not None and isinstance(industries.data, dict):
        divisions = industries.data.get("divisions")
        if isinstance(divisions, dict):
            scan.divisions = {str(code) for code in divisions}
        classes = industries.data.get("classes")
        if isinstance(classes, dict):
            scan.classes = {str(code) for code in classes}
            for class_code in sorted(scan.classes):
                if (not re.fullmatch(r"[0-9]{4}", class_code)
                        or class_code[:2] not in scan.divisions):
                    scan.errors.append(ContentError(
                        scan.rel(file), None, f"classes.{class_code}",
                        f"class '{class_code}' is not four digits of a known division"))
    doc = scan.load(scan.root / "departments.yaml", "departments")
    if doc is not None:
        short_names: dict[str, int] = {}
        for index, item in items(doc.data, "departments"):
            path: Path_ = ("departments", index)
            code = item.get("code")
            if isinstance(code, str):
                if code in scan.departments:
                    scan.add(doc, (*path, "code"), f"duplicate department code '{code}' "
                             f"(first at line {scan.departments[code].line})")
                else:
                    scan.departments[code] = Located(doc, path, COMMON, item)
            short = item.get("short_name")
            if isinstance(short, str):
                if short in short_names:
                    scan.add(doc, (*path, "short_name"), f"duplicate short name '{short}' "
                             f"(first at line {short_names[short]})")
                short_names.setdefault(short, doc.line(path) or 0)
                if not item.get("short_name_source"):
                    scan.add(doc, (*path, "short_name_source"),
                             "a short name needs short_name_source saying where it is from")
    doc = scan.load(scan.root / "laws.yaml", "laws")
    laws = doc.data.get("laws") if doc is not None and isinstance(doc.data, dict) else None
    if isinstance(laws, dict):
        scan.laws = dict(laws)
    doc = scan.load(scan.root / "sources.yaml", "sources")
    if doc is not None:
        for index, item in items(doc.data, "lists"):
            path = ("lists", index)
            list_id = item.get("id")
            if isinstance(list_id, str):
                if list_id in scan.sources:
                    scan.add(doc, (*path, "id"), f"duplicate list id '{list_id}' "
                             f"(first at line {scan.sources[list_id].line})")
                else:
                    scan.sources[list_id] = Located(doc, path, COMMON, item)
            start = scan.date(doc, (*path, "effective_from"), item.get("effective_from"))
            end = scan.date(doc, (*path, "effective_until"), item.get("effective_until"))
            if start and end and end < start:
                scan.add(doc, (*path, "effective_until"),
                         f"effective_until {end} is before effective_from {start}")
            if item.get("status") in ("expired", "repealed") and not item.get(
                    "effective_until"):
                scan.add(doc, (*path, "effective_until"),
                         f"a list with status '{item['status']}' needs effective_until")

