"""Check the whole content tree: run every checker module in order and report all errors."""

from __future__ import annotations

from pathlib import Path

import yaml

from portal.guides.content.check_entries import check_entries, check_entry_references
from portal.guides.content.check_guides import check_guide
from portal.guides.content.check_obligations import check_obligations
from portal.guides.content.check_phrases import check_phrases
from portal.guides.content.check_questionnaires import check_questionnaire
from portal.guides.content.check_reference import check_reference
from portal.guides.content.check_residue import check_residue
from portal.guides.content.model import COMMON
from portal.guides.content.scan import Scan
from portal.guides.schema import DEFAULT_SCHEMA_DIR, ContentError

#: The files an industry folder may hold.
INDUSTRY_FILES = {"guide.yaml", "guide.zh_Hans.md", "guide.en.md", "guide.zh_Hant.md",
                  "obligations.yaml", "exemptions.yaml", "questionnaire.yaml"}


class ContentInvalid(Exception):
    """The content has errors; ``errors`` lists every one."""

    def __init__(self, errors: list[ContentError]) -> None:
        super().__init__(f"{len(errors)} content error(s)")
        self.errors = errors


def format_errors(errors: list[ContentError]) -> str:
    """Return the errors one per line, sorted by file and line, with a count."""
    if not errors:
        return "Content OK: no errors."
    lines = [str(e) for e in sorted(errors, key=lambda e: (e.file, e.line or 0, e.path))]
    lines.append(f"{len(errors)} error(s) in {len({e.file for e in errors})} file(s).")
    return "\n".join(lines)


def check_industries(scan: Scan) -> None:
    """Check every folder under industries/: its files, guide, obligations and entries."""
    base = scan.root / "industries"
    folders = sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
    if not folders:
        scan.errors.append(ContentError(scan.rel(base), None, "", "no industry folders"))
    for folder in folders:
        slug = folder.name
        for stray in sorted(folder.iterdir()):
            if stray.name not in INDUSTRY_FILES:
                scan.errors.append(ContentError(scan.rel(stray), None, "",
                                                "unexpected file in an industry folder"))
        check_guide(scan, folder, slug)
        check_obligations(scan, folder / "obligations.yaml", slug)
        check_entries(scan, folder / "exemptions.yaml", slug)
        doc = scan.load(folder / "questionnaire.yaml", "questionnaire")
        if doc is not None:
            scan.questionnaires[slug] = doc


def run_checks(scan: Scan) -> list[ContentError]:
    """Check the tree at ``scan.root``, filling ``scan``; return the errors, sorted."""
    if not scan.root.is_dir():
        return [ContentError(scan.root.as_posix(), None, "", "content folder not found")]
    check_reference(scan)
    check_phrases(scan)
    common = scan.root / COMMON
    if common.is_dir():
        check_obligations(scan, common / "obligations.yaml", COMMON)
        if (common / "exemptions.yaml").exists():
            check_entries(scan, common / "exemptions.yaml", COMMON)
    check_industries(scan)
    # Cross references need every file read first.
    check_entry_references(scan)
    for slug, doc in scan.questionnaires.items():
        check_questionnaire(scan, slug, doc)
    check_residue(scan)
    return sorted(set(scan.errors), key=lambda e: (e.file, e.line or 0, e.path, e.message))


def new_scan(root: Path, schema_dir: Path | None) -> Scan:
    """Return an empty scan of ``root`` with the schemas of ``schema_dir`` (or the default)."""
    if schema_dir is None:
        local = root / "schema"
        schema_dir = local if local.is_dir() else DEFAULT_SCHEMA_DIR
    return Scan(root, schema_dir)


def check_content(root: Path, *, schema_dir: Path | None = None) -> list[ContentError]:
    """Check every file under ``root`` and return every error found (empty when valid)."""
    root = Path(root)
    try:
        return run_checks(new_scan(root, schema_dir))
    except yaml.YAMLError as exc:  # pragma: no cover - read_yaml reports these
        return [ContentError(root.as_posix(), None, "", f"malformed YAML: {exc}")]
