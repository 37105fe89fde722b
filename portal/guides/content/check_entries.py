"""Check exemptions.yaml files: each entry, its conditions and what it refers to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from portal.guides.content.scan import Located, Scan, items, parse_date
from portal.guides.schema import Document, Path_


def check_entries(scan: Scan, path: Path, industry: str) -> None:
    """Check every entry of an exemptions file."""
    doc = scan.load(path, "exemptions")
    if doc is None:
        return
    for index, item in items(doc.data, "entries"):
        check_entry(scan, doc, ("entries", index), item, industry)


def check_entry(scan: Scan, doc: Document, where: Path_, item: dict[str, Any],
                industry: str) -> None:
    """Check one entry: unique key and item code, source, list-type rules, conditions, dates."""
    key = item.get("key")
    if isinstance(key, str):
        if key in scan.entries:
            first = scan.entries[key]
            scan.add(doc, (*where, "key"), f"duplicate entry key '{key}' (first in "
                     f"{first.doc.file}:{first.doc.line((*first.path, 'key'))})")
        else:
            scan.entries[key] = Located(doc, where, industry, item)
    code = item.get("item_code")
    if isinstance(code, str):
        if code in scan.item_codes:
            first = scan.item_codes[code]
            scan.add(doc, (*where, "item_code"),
                     f"duplicate item code '{code}' (first in {first.doc.file}:{first.line})")
        else:
            scan.item_codes[code] = Located(doc, (*where, "item_code"), industry, item)
    illustrative = item.get("illustrative")
    source = item.get("source")
    if illustrative is True:
        if source:
            scan.add(doc, (*where, "source"), "an illustrative entry cannot name a source "
                     "list: cite the real list and set illustrative: false, or drop source")
        if code:
            scan.add(doc, (*where, "item_code"), "an illustrative entry cannot carry a "
                     "published item code")
    elif illustrative is False:
        if not source:
            scan.add(doc, (*where, "source"), "an entry not from a published list must say "
                     "illustrative: true; otherwise name its source list")
        elif isinstance(source, str) and source not in scan.sources:
            scan.add(doc, (*where, "source"), f"unknown source list '{source}' "
                     "(not in sources.yaml)")
        elif (isinstance(source, str) and not item.get("caveat")
              and scan.sources[source].data.get("source_kind") == "secondary_summaries"):
            scan.add(doc, (*where, "source"), f"source list '{source}' was read only in "
                     "secondary summaries: add a caveat the entry page shows")
    scan.department(doc, (*where, "department"), item.get("department"))
    scan.citations(doc, (*where, "rule_breached"), item.get("rule_breached"))
    scan.citations(doc, (*where, "legal_ground"), item.get("legal_ground"))
    list_type = item.get("list_type")
    if list_type == "lenient" and "range" not in item:
        scan.add(doc, where, "a lenient (从轻处罚) entry needs its range (裁量幅度)")
    measures = item.get("follow_up_measures")
    if list_type in ("no_penalty", "first_violation") and isinstance(measures, list) and (
            "education" not in measures):
        scan.add(doc, (*where, "follow_up_measures"), "a no-penalty entry must include "
                 "'education' (the authority must educate the party, 行政处罚法 Art. 33)")
    conditions = item.get("conditions")
    if isinstance(conditions, list):
        if not conditions and not item.get("verify"):
            scan.add(doc, (*where, "conditions"),
                     "no conditions: give them, or a verify note saying why they are missing")
        for index, condition in enumerate(conditions):
            check_condition(scan, doc, (*where, "conditions", index), condition)
    if item.get("article_unsure") is True and not item.get("verify"):
        scan.add(doc, (*where, "verify"), "article_unsure entries need a verify note "
                 "saying what to check")
    start = scan.date(doc, (*where, "effective_from"), item.get("effective_from"))
    end = scan.date(doc, (*where, "effective_until"), item.get("effective_until"))
    if ("effective_from" in item or "effective_until" in item) and isinstance(source, str) and (
            source in scan.sources):
        listed = scan.sources[source].data
        if "effective_from" not in item:
            start = parse_date(listed.get("effective_from"))
        if "effective_until" not in item:
            end = parse_date(listed.get("effective_until"))
    if start and end and end < start:
        scan.add(doc, (*where, "effective_until"),
                 f"effective_until {end} is before effective_from {start}")


def check_condition(scan: Scan, doc: Document, where: Path_, condition: Any) -> None:
    """Check one condition and, for 'any_of', its options."""
    if not isinstance(condition, dict):
        return
    kind = condition.get("type")
    if "look_back_months" in condition and kind != "first_discovery":
        scan.add(doc, (*where, "look_back_months"),
                 "look_back_months belongs to a first_discovery condition only")
    if kind == "other" and "text" not in condition:
        scan.add(doc, where, "an 'other' condition needs its text")
    options = condition.get("options")
    if kind == "any_of":
        if not isinstance(options, list) or len(options) < 2:
            scan.add(doc, where, "an 'any_of' condition needs at least two options")
        else:
            for index, option in enumerate(options):
                check_condition(scan, doc, (*where, "options", index), option)
    elif options is not None:
        scan.add(doc, (*where, "options"), "options belong to an 'any_of' condition only")

# -- industries



def check_entry_references(scan: Scan) -> None:
    """Check what entries refer to once every file is read: industries and obligations."""
    for key, located in scan.entries.items():
        item, doc, where = located.data, located.doc, located.path
        also = item.get("also_industries")
        also_list = [a for a in also if isinstance(a, str)] if isinstance(also, list) else []
        for index, slug in enumerate(also_list):
            if slug not in scan.guides:
                scan.add(doc, (*where, "also_industries", index),
                         f"unknown industry '{slug}' (no folder industries/{slug})")
            elif slug == located.industry:
                scan.add(doc, (*where, "also_industries", index),
                         "also_industries repeats the entry's own industry")
        codes = item.get("obligations")
        for index, code in enumerate(codes if isinstance(codes, list) else []):
            if not isinstance(code, str):
                continue
            target = scan.obligations.get(code)
            if target is None:
                scan.add(doc, (*where, "obligations", index),
                         f"unknown obligation code '{code}'")
            elif not scan.scope_ok(located.industry, target.industry, tuple(also_list)):
                scan.add(doc, (*where, "obligations", index),
                         f"obligation '{code}' belongs to industry '{target.industry}', "
                         f"which entry '{key}' does not apply to")
