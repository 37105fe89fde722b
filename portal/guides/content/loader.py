"""Load the checked content under ``compliance_guides/`` into the content model."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from portal.core.text import to_zh_hant
from portal.guides.content.builders import (
    build_entry,
    build_obligation,
    build_questionnaire,
    date_or_none,
    digest,
)
from portal.guides.content.checker import ContentInvalid, new_scan, run_checks
from portal.guides.content.model import (
    COMMON,
    Content,
    Department,
    ExemptionEntry,
    Guide,
    Law,
    Obligation,
    SourceList,
)


def load_content(root: Path, *, schema_dir: Path | None = None) -> Content:
    """Load the checked content under ``root``.

    :raises ContentInvalid: when ``check_content`` finds any error (all are attached).
    """
    root = Path(root)
    scan = new_scan(root, schema_dir)
    errors = run_checks(scan)
    if errors:
        raise ContentInvalid(errors)
    docs = scan.docs

    def data(relative: Path) -> Any:
        return docs[scan.rel(root / relative)].data

    departments = {d["code"]: Department(d["code"], dict(d["name"]), d.get("short_name"),
                                         d.get("verify"))
                   for d in data(Path("departments.yaml"))["departments"]}
    laws = {key: Law(key, dict(v["name"]), v["kind"], v.get("verify"))
            for key, v in data(Path("laws.yaml"))["laws"].items()}
    sources = {s["id"]: SourceList(
        id=s["id"], name=dict(s["name"]), issuer=dict(s["issuer"]), scope=s["scope"],
        doc_number=s["doc_number"], doc_number_confirmed=s.get("doc_number_confirmed", False),
        year=s.get("year"), effective_from=date_or_none(s["effective_from"]),
        effective_until=date_or_none(s["effective_until"]), dates_note=s.get("dates_note"),
        status=s["status"], urls=tuple(s["urls"]), source_kind=s["source_kind"],
        verify=s.get("verify")) for s in data(Path("sources.yaml"))["lists"]}
    common_obligations: tuple[Obligation, ...] = ()
    common_entries: tuple[ExemptionEntry, ...] = ()
    if (root / COMMON / "obligations.yaml").exists():
        common_obligations = tuple(build_obligation(o, COMMON, laws) for o in
                                   data(Path(COMMON, "obligations.yaml"))["obligations"])
    if (root / COMMON / "exemptions.yaml").exists():
        common_entries = tuple(build_entry(e, COMMON, laws, sources) for e in
                               data(Path(COMMON, "exemptions.yaml"))["entries"])
    guides: dict[str, Guide] = {}
    for slug in sorted(scan.guides):
        folder = Path("industries", slug)
        meta = data(folder / "guide.yaml")
        bodies = dict(scan.bodies[slug])
        generated = "zh_Hant" not in bodies
        if generated:
            bodies["zh_Hant"] = to_zh_hant(bodies["zh_Hans"])
        obligations = tuple(build_obligation(o, slug, laws)
                            for o in data(folder / "obligations.yaml")["obligations"])
        entries = tuple(build_entry(e, slug, laws, sources)
                        for e in data(folder / "exemptions.yaml")["entries"])
        questionnaire = build_questionnaire(data(folder / "questionnaire.yaml"), slug)
        guides[slug] = Guide(
            slug=slug, divisions=tuple(meta["divisions"]), title=dict(meta["title"]),
            summary=dict(meta["summary"]), lead_department=meta["lead_department"],
            other_departments=tuple(meta.get("other_departments", [])),
            version=meta["version"], reviewed_on=dt.date.fromisoformat(meta["reviewed_on"]),
            body=bodies, zh_hant_generated=generated, obligations=obligations,
            exemption_entries=entries, questionnaire=questionnaire,
            # The generated zh_Hant counts: a changed phrase list makes a new version.
            digest=digest(meta, bodies))
    return Content(departments=departments, laws=laws, sources=sources, guides=guides,
                   common_obligations=common_obligations, common_entries=common_entries)
