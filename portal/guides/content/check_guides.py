"""Check guide.yaml and the guide bodies (guide.<language>.md) of an industry folder."""

from __future__ import annotations

import re
from pathlib import Path

from portal.guides.content.scan import Located, Scan
from portal.guides.schema import ContentError

HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9]*[\s>/]")


def check_guide(scan: Scan, folder: Path, slug: str) -> None:
    """Check guide.yaml (slug, divisions, departments) and read the Markdown bodies."""
    doc = scan.load(folder / "guide.yaml", "guide")
    if doc is not None and isinstance(doc.data, dict):
        data = doc.data
        scan.guides[slug] = Located(doc, (), slug, data)
        if data.get("slug") is not None and data.get("slug") != slug:
            scan.add(doc, ("slug",), f"slug '{data.get('slug')}' differs from the folder "
                     f"name '{slug}'")
        divisions = data.get("divisions")
        for index, division in enumerate(divisions if isinstance(divisions, list) else []):
            if not isinstance(division, str):
                continue
            split = {code[:2] for code in scan.classes}
            if len(division) == 4 and scan.divisions and division not in scan.classes:
                scan.add(doc, ("divisions", index), f"unknown GB/T 4754 class "
                         f"'{division}' (not in the classes of industries.yaml)")
            elif len(division) != 4 and scan.divisions and division not in scan.divisions:
                scan.add(doc, ("divisions", index), f"unknown GB/T 4754 division "
                         f"'{division}' (not in industries.yaml)")
            elif division in split:
                scan.add(doc, ("divisions", index), f"division '{division}' is chosen by "
                         f"class: list its classes (industries.yaml) instead")
            elif division in scan.division_owner:
                scan.add(doc, ("divisions", index), f"division '{division}' already "
                         f"belongs to guide '{scan.division_owner[division]}'")
            else:
                scan.division_owner[division] = slug
        scan.department(doc, ("lead_department",), data.get("lead_department"))
        others = data.get("other_departments")
        for index, code in enumerate(others if isinstance(others, list) else []):
            scan.department(doc, ("other_departments", index), code)
            if code == data.get("lead_department"):
                scan.add(doc, ("other_departments", index),
                         "the lead department is repeated among other_departments")
        scan.date(doc, ("reviewed_on",), data.get("reviewed_on"))
    bodies: dict[str, str] = {}
    for language in ("zh_Hans", "en", "zh_Hant"):
        path = folder / f"guide.{language}.md"
        relative = scan.rel(path)
        if not path.exists():
            if language != "zh_Hant":
                scan.errors.append(ContentError(relative, None, "", "file is missing "
                                                f"(the {language} guide body is required)"))
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            scan.errors.append(ContentError(relative, None, "", f"cannot read file: {exc}"))
            continue
        if not text.strip():
            scan.errors.append(ContentError(relative, 1, "", "guide body is empty"))
        for number, line in enumerate(text.splitlines(), start=1):
            if HTML_TAG.search(line):
                scan.errors.append(ContentError(relative, number, "",
                                                "raw HTML is not allowed in a guide body"))
        bodies[language] = text
    scan.bodies[slug] = bodies
