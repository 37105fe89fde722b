"""What one checking pass over the content tree has seen, and the errors it found.

The checker modules (``check_reference``, ``check_obligations``,
``check_entries``, ``check_guides``, ``check_questionnaires``) each take a
``Scan`` and add to it; ``checker.check_tree`` runs them in order.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portal.guides.content.model import COMMON
from portal.guides.schema import ContentError, Document, Path_, read_yaml, validate


def items(data: Any, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (index, mapping) for the mappings in list ``data[key]``; skip malformed ones."""
    values = data.get(key) if isinstance(data, dict) else None
    if isinstance(values, list):
        for index, value in enumerate(values):
            if isinstance(value, dict):
                yield index, value


def parse_date(value: Any) -> dt.date | None:
    """Return the ISO date in ``value``, or None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def is_date(value: Any) -> bool:
    """Return whether ``value`` has the form YYYY-MM-DD (possible or not)."""
    return isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None


@dataclass
class Located:
    """A definition seen while checking: its document, path and industry."""

    doc: Document
    path: Path_
    industry: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def line(self) -> int | None:
        """Return the line the definition starts on."""
        return self.doc.line(self.path)


class Scan:
    """Collect every error, and every definition seen, in one pass over the content tree."""

    def __init__(self, root: Path, schema_dir: Path) -> None:
        self.root = root
        self.schema_dir = schema_dir
        self.errors: list[ContentError] = []
        self.divisions: set[str] = set()
        #: GB/T 4754 classes (four digits) of the divisions that guides split by class.
        self.classes: set[str] = set()
        self.departments: dict[str, Located] = {}
        self.laws: dict[str, Any] = {}
        self.sources: dict[str, Located] = {}
        self.obligations: dict[str, Located] = {}
        self.entries: dict[str, Located] = {}
        self.item_codes: dict[str, Located] = {}
        self.guides: dict[str, Located] = {}
        self.division_owner: dict[str, str] = {}
        self.questionnaires: dict[str, Document] = {}
        self.bodies: dict[str, dict[str, str]] = {}
        self.docs: dict[str, Document] = {}

    def rel(self, path: Path) -> str:
        """Return ``path`` as errors name it (relative to the content folder's parent)."""
        try:
            return path.relative_to(self.root.parent).as_posix()
        except ValueError:
            return path.as_posix()

    def add(self, doc: Document, path: Path_, message: str) -> None:
        """Record an error at ``path`` of ``doc``."""
        self.errors.append(doc.error(path, message))

    def load(self, path: Path, schema: str | None) -> Document | None:
        """Read a YAML file, keep it, and validate it against ``schema`` when given."""
        doc = read_yaml(path, self.rel(path), self.errors)
        if doc is None:
            return None
        self.docs[doc.file] = doc
        if schema is not None:
            self.errors.extend(validate(doc, schema, self.schema_dir))
        return doc

    def date(self, doc: Document, path: Path_, value: Any) -> dt.date | None:
        """Return the date at ``path``; report an impossible one (the schema checks the form)."""
        if not is_date(value):
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.add(doc, path, f"invalid date '{value}'")
        return parsed

    def citations(self, doc: Document, path: Path_, value: Any) -> None:
        """Report citations of laws that laws.yaml does not define."""
        if not isinstance(value, list):
            return
        for index, citation in enumerate(value):
            if isinstance(citation, dict) and isinstance(citation.get("law"), str) and (
                    citation["law"] not in self.laws):
                self.add(doc, (*path, index, "law"),
                         f"unknown law '{citation['law']}' (not in laws.yaml)")

    def department(self, doc: Document, path: Path_, code: Any) -> None:
        """Report a department code that departments.yaml does not define."""
        if isinstance(code, str) and self.departments and code not in self.departments:
            self.add(doc, path, f"unknown department '{code}' (not in departments.yaml)")

    def scope_ok(self, owner: str, target_industry: str, also: tuple[str, ...] = ()) -> bool:
        """Return whether something of ``owner`` may refer to ``target_industry``'s items."""
        return target_industry in (COMMON, owner, *also)
