"""Check questionnaire.yaml files: sections, questions, show_if, findings and bands."""

from __future__ import annotations

from typing import Any

from portal.guides.content.model import COMMON, OPERATORS
from portal.guides.content.scan import Scan, items, parse_date
from portal.guides.schema import Document, Path_


def check_questionnaire(scan: Scan, slug: str, doc: Document) -> None:
    """Check a questionnaire: unique ids, show_if, questions, weights and bands."""
    data = doc.data if isinstance(doc.data, dict) else {}
    questions: dict[str, tuple[dict[str, Any], Path_]] = {}
    sections: dict[str, int] = {}
    for s_index, section in items(data, "sections"):
        s_path: Path_ = ("sections", s_index)
        s_id = section.get("id")
        if isinstance(s_id, str):
            if s_id in sections:
                scan.add(doc, (*s_path, "id"), f"duplicate section id '{s_id}' "
                         f"(first at line {sections[s_id]})")
            sections.setdefault(s_id, doc.line(s_path) or 0)
        check_show_if(scan, doc, (*s_path, "show_if"), section.get("show_if"), questions)
        for q_index, question in items(section, "questions"):
            q_path: Path_ = (*s_path, "questions", q_index)
            q_id = question.get("id")
            check_show_if(scan, doc, (*q_path, "show_if"), question.get("show_if"),
                               questions, own=q_id)
            if isinstance(q_id, str):
                if q_id in questions:
                    scan.add(doc, (*q_path, "id"), f"duplicate question id '{q_id}' (first "
                             f"at line {doc.line(questions[q_id][1])})")
                else:
                    questions[q_id] = (question, q_path)
            check_question(scan, slug, doc, q_path, question)
    total_weight = sum(q.get("weight", 0) for q, _ in questions.values()
                       if isinstance(q.get("weight", 0), int | float))
    if questions and total_weight <= 0:
        scan.add(doc, ("sections",), "no question has a weight: the score would be undefined")
    check_bands(scan, doc, data.get("bands"))


def check_show_if(scan: Scan, doc: Document, where: Path_, show_if: Any,
                  questions: dict[str, tuple[dict[str, Any], Path_]],
                  own: Any = None) -> None:
    """Check that every clause names an earlier question and suits its type.

    ``questions`` holds only the questions before this point, so a name not
    in it is either later in the file or unknown.
    """
    if not isinstance(show_if, dict):
        return
    for mode in ("all", "any"):
        clauses = show_if.get(mode)
        for index, clause in enumerate(clauses if isinstance(clauses, list) else []):
            if not isinstance(clause, dict) or not isinstance(clause.get("question"), str):
                continue
            path: Path_ = (*where, mode, index)
            name = clause["question"]
            if name == own:
                scan.add(doc, (*path, "question"), f"show_if names the question itself "
                         f"('{name}')")
            elif name not in questions:
                later = later_question(scan, doc, name)
                if later is not None:
                    scan.add(doc, (*path, "question"), f"show_if names question '{name}', "
                             f"which comes later (line {later}); it can only test earlier "
                             f"answers")
                else:
                    scan.add(doc, (*path, "question"),
                             f"show_if names unknown question '{name}'")
            else:
                target, _ = questions[name]
                check_predicate(scan, doc, path, clause, target, name)


def later_question(scan: Scan, doc: Document, name: str) -> int | None:
    """Return the line of question ``name`` anywhere in the file, if it exists."""
    data = doc.data if isinstance(doc.data, dict) else {}
    for s_index, section in items(data, "sections"):
        for q_index, question in items(section, "questions"):
            if question.get("id") == name:
                return doc.line(("sections", s_index, "questions", q_index))
    return None


def check_predicate(scan: Scan, doc: Document, where: Path_, predicate: dict[str, Any],
                    target: dict[str, Any], name: str) -> None:
    """Check that the operator and value suit question ``name``'s type and options."""
    kind = target.get("type")
    ops = [op for op in OPERATORS if op in predicate]
    if len(ops) != 1:
        return  # the schema reports it
    op = ops[0]
    value = predicate[op]
    path = (*where, op)
    values = value if isinstance(value, list) else [value]
    if kind in ("text", "attachment"):
        scan.add(doc, path, f"question '{name}' is a {kind} question; its answer cannot "
                 "be tested")
    elif kind == "yes_no":
        if op not in ("equals", "not_equals"):
            scan.add(doc, path, f"yes_no question '{name}' can only be tested with equals "
                     "or not_equals")
        elif not isinstance(value, bool):
            scan.add(doc, path, f"yes_no question '{name}' is answered true or false, "
                     f"not {value!r}")
    elif kind in ("single_choice", "multiple_choice"):
        offered = [o.get("value") for o in target.get("options", []) if isinstance(o, dict)]
        if op in ("gt", "lt"):
            scan.add(doc, path, f"choice question '{name}' cannot be compared with {op}")
        for item in values:
            if item not in offered:
                scan.add(doc, path, f"option {item!r} is not offered by question '{name}' "
                         f"(offered: {', '.join(str(o) for o in offered)})")
    elif kind == "number":
        for item in values:
            if isinstance(item, bool) or not isinstance(item, int | float):
                scan.add(doc, path, f"number question '{name}' is compared with a number, "
                         f"not {item!r}")
    elif kind == "date":
        if op in ("in", "not_in"):
            scan.add(doc, path, f"date question '{name}' cannot be tested with {op}")
        for item in values:
            if parse_date(item) is None:
                scan.add(doc, path, f"date question '{name}' is compared with a date "
                         f"YYYY-MM-DD, not {item!r}")


def check_question(scan: Scan, slug: str, doc: Document, where: Path_,
                   question: dict[str, Any]) -> None:
    """Check one question: options, type-specific fields and findings."""
    kind = question.get("type")
    options = question.get("options")
    if kind in ("single_choice", "multiple_choice"):
        if not isinstance(options, list) or len(options) < 2:
            scan.add(doc, where, f"a {kind} question needs at least two options")
        else:
            seen: set[Any] = set()
            for index, option in enumerate(options):
                value = option.get("value") if isinstance(option, dict) else None
                if value in seen:
                    scan.add(doc, (*where, "options", index, "value"),
                             f"duplicate option value '{value}'")
                seen.add(value)
    elif options is not None:
        scan.add(doc, (*where, "options"), f"a {kind} question has no options")
    allowed_extras = {"number": {"unit", "min", "max", "integer"}, "text": {"max_length"},
                      "attachment": {"accept"}}
    for extra in ("unit", "min", "max", "integer", "max_length", "accept"):
        if extra in question and extra not in allowed_extras.get(str(kind), set()):
            scan.add(doc, (*where, extra), f"'{extra}' does not apply to a {kind} question")
    low, high = question.get("min"), question.get("max")
    if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
        scan.add(doc, (*where, "max"), f"max {high} is below min {low}")
    findings = list(items(question, "findings"))
    if findings and kind in ("text", "attachment"):
        scan.add(doc, (*where, "findings"), f"a {kind} answer cannot trigger findings")
        return
    weight = question.get("weight", 0)
    if findings and isinstance(weight, int | float) and weight <= 0:
        scan.add(doc, (*where, "weight"), "a question with findings needs a weight above 0")
    for index, finding in findings:
        f_path: Path_ = (*where, "findings", index)
        when = finding.get("when")
        if isinstance(when, dict):
            check_predicate(scan, doc, (*f_path, "when"), when, question,
                                 str(question.get("id")))
        code = finding.get("obligation")
        target = scan.obligations.get(code) if isinstance(code, str) else None
        if isinstance(code, str) and target is None:
            scan.add(doc, (*f_path, "obligation"), f"unknown obligation code '{code}'")
        elif target is not None and not scan.scope_ok(slug, target.industry):
            scan.add(doc, (*f_path, "obligation"), f"obligation '{code}' belongs to industry "
                     f"'{target.industry}', not '{slug}'")
        keys = finding.get("exemptions")
        for k_index, key in enumerate(keys if isinstance(keys, list) else []):
            if not isinstance(key, str):
                continue
            entry = scan.entries.get(key)
            k_path = (*f_path, "exemptions", k_index)
            if entry is None:
                scan.add(doc, k_path, f"unknown exemption entry '{key}'")
                continue
            also = entry.data.get("also_industries") or []
            if entry.industry != COMMON and slug != entry.industry and slug not in also:
                scan.add(doc, k_path, f"exemption entry '{key}' does not apply to "
                         f"industry '{slug}'")
            related = entry.data.get("obligations") or []
            if isinstance(code, str) and code not in related:
                scan.add(doc, k_path, f"exemption entry '{key}' does not relate to "
                         f"obligation '{code}' (its obligations: {', '.join(related)})")


def check_bands(scan: Scan, doc: Document, bands: Any) -> None:
    """Check that the bands are unique and cover scores 0 to 100 without gap or overlap."""
    if not isinstance(bands, list):
        return
    valid = [(i, b) for i, b in enumerate(bands) if isinstance(b, dict)
             and isinstance(b.get("min"), int) and isinstance(b.get("max"), int)]
    codes: set[Any] = set()
    for index, band in valid:
        if band["min"] > band["max"]:
            scan.add(doc, ("bands", index, "max"),
                     f"band max {band['max']} is below its min {band['min']}")
        if band.get("code") in codes:
            scan.add(doc, ("bands", index, "code"), f"duplicate band '{band.get('code')}'")
        codes.add(band.get("code"))
    expected = 0
    for index, band in sorted(valid, key=lambda item: item[1]["min"]):
        if band["min"] != expected:
            problem = "overlaps the band below" if band["min"] < expected else "leaves a gap"
            scan.add(doc, ("bands", index, "min"), f"band starts at {band['min']} but the "
                     f"bands below end at {expected - 1}: it {problem}")
        expected = max(expected, band["max"] + 1)
    if valid and expected != 101:
        scan.add(doc, ("bands",), f"bands must cover scores 0 to 100; they end at "
                 f"{expected - 1}")
