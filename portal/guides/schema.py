"""Read content YAML with line numbers and validate it against the JSON Schemas.

Pure Python (no Flask, no SQLAlchemy): ``portal.guides.content`` builds on it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

#: JSON Schemas shipped with the content (``compliance_guides/schema``).
DEFAULT_SCHEMA_DIR = Path(__file__).resolve().parents[2] / "compliance_guides" / "schema"

Path_ = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class ContentError:
    """One problem in the content: file, line, field path and what is wrong."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        """Return ``file:line: path: message`` (line and path omitted when unknown)."""
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


def format_path(path: Path_) -> str:
    """Return a field path as ``entries[3].conditions[0].type``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


class _Loader(yaml.SafeLoader):
    """Safe loader that keeps dates as strings and reads only true/false as booleans.

    Dates stay strings so an impossible date (2026-02-30) is reported as a
    content error instead of aborting the parse; YAML 1.1's yes/no/on/off
    booleans are switched off because an option value ``no`` must stay a string.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))


@dataclass
class Document:
    """A parsed YAML file with the line of every mapping key and sequence item."""

    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line(self, path: Path_) -> int | None:
        """Return the line of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None

    def error(self, path: Path_, message: str) -> ContentError:
        """Return an error located at ``path`` in this document."""
        return ContentError(self.file, self.line(path), format_path(path), message)


def _walk(node: yaml.Node, path: Path_, doc: Document, errors: list[ContentError],
          active: set[int]) -> None:
    """Record the line of every key and item under ``node`` and report duplicate keys."""
    if id(node) in active:  # a recursive alias; the constructor reports it
        return
    active.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            line = key_node.start_mark.line + 1
            if key in seen and key != "<<":
                errors.append(ContentError(doc.file, line, format_path((*path, key)),
                                           f"duplicate key '{key}' (first at line {seen[key]})"))
                continue
            seen[key] = line
            doc.lines[(*path, key)] = line
            _walk(value_node, (*path, key), doc, errors, active)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            doc.lines[(*path, index)] = item.start_mark.line + 1
            _walk(item, (*path, index), doc, errors, active)
    active.discard(id(node))


def read_yaml(path: Path, relative: str, errors: list[ContentError]) -> Document | None:
    """Parse ``path``; on failure append an error and return None."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        errors.append(ContentError(relative, None, "", "file is missing"))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        errors.append(ContentError(relative, None, "", f"cannot read file: {exc}"))
        return None
    loader = _Loader(text)
    doc = Document(relative, None)
    try:
        node = loader.get_single_node()
        if node is None:
            errors.append(ContentError(relative, 1, "", "file is empty"))
            return None
        doc.lines[()] = node.start_mark.line + 1
        duplicates: list[ContentError] = []
        _walk(node, (), doc, duplicates, set())
        doc.data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "cannot be parsed"
        errors.append(ContentError(relative, line, "", f"malformed YAML: {problem}"))
        return None
    except (yaml.YAMLError, RecursionError) as exc:
        errors.append(ContentError(relative, None, "", f"malformed YAML: {exc}"))
        return None
    finally:
        loader.dispose()
    errors.extend(duplicates)
    return doc


@cache
def _validators(schema_dir: Path) -> dict[str, Draft202012Validator]:
    """Return a validator per schema file name (``guide`` for guide.schema.json)."""
    schemas = {p.name.removesuffix(".schema.json"): json.loads(p.read_text(encoding="utf-8"))
               for p in sorted(schema_dir.glob("*.schema.json"))}
    registry: Registry = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas.values())
    for schema in schemas.values():
        Draft202012Validator.check_schema(schema)
    return {name: Draft202012Validator(schema, registry=registry)
            for name, schema in schemas.items() if name != "common"}


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_TYPE_NAMES = {"string": "a text", "integer": "a whole number", "number": "a number",
               "boolean": "true or false", "array": "a list", "object": "a mapping",
               "null": "null"}


def _messages(error: ValidationError) -> Iterator[tuple[Path_, str]]:
    """Turn one jsonschema error into (relative path, message) pairs in plain words."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    instance = error.instance
    value: Any = error.validator_value  # the stubs add an Unset that errors never carry
    is_text = schema.get("title") == "LocalizedText"
    if error.validator == "required" and isinstance(instance, dict):
        for name in value:
            if name not in instance:
                yield (), (f"missing language '{name}'" if is_text
                           else f"missing required field '{name}'")
    elif error.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(
            instance, dict):
        known = set(schema.get("properties", {}))
        if error.validator == "unevaluatedProperties":  # clause/when: operators come via allOf
            known |= {"equals", "not_equals", "in", "not_in", "gt", "lt"}
        for name in instance:
            if name not in known:
                yield (str(name),), (f"unknown language '{name}' (use zh_Hans, en, zh_Hant)"
                                     if is_text else f"unknown field '{name}'")
    elif error.validator == "type":
        wanted: list[str] = value if isinstance(value, list) else [value]
        yield (), (f"expected {' or '.join(_TYPE_NAMES.get(w, w) for w in wanted)}, "
                   f"got {_describe(instance)}")
    elif error.validator == "enum":
        allowed = ", ".join(str(v) for v in value)
        yield (), f"{_describe(instance)} is not one of: {allowed}"
    elif error.validator == "pattern":
        hint = schema.get("description", "")
        yield (), (f"{_describe(instance)} does not have the required form "
                   f"{value}" + (f" ({hint})" if hint else ""))
    elif error.validator in ("minProperties", "maxProperties") and (
            "question" in schema.get("properties", {}) or "allOf" in schema):
        yield (), "a condition names exactly one operator: equals, not_equals, in, not_in, gt, lt"
    elif error.validator in ("minProperties", "maxProperties") and set(
            schema.get("properties", {})) == {"all", "any"}:
        yield (), "show_if takes exactly one of 'all' or 'any'"
    elif error.validator == "anyOf" and any("pattern" in s.get("$ref", "") or "$ref" in s
                                           for s in value):
        yield (), f"expected a date YYYY-MM-DD or null, got {_describe(instance)}"
    elif error.validator == "uniqueItems":
        yield (), "list has repeated items"
    else:
        yield (), error.message


def validate(doc: Document, schema_name: str, schema_dir: Path) -> list[ContentError]:
    """Return every schema violation of ``doc`` against ``<schema_name>.schema.json``."""
    validator = _validators(schema_dir.resolve())[schema_name]
    found: list[ContentError] = []
    for error in validator.iter_errors(doc.data):
        base = tuple(error.absolute_path)
        for extra, message in _messages(error):
            found.append(doc.error((*base, *extra), message))
    return sorted(set(found), key=lambda e: (e.line or 0, e.path, e.message))
