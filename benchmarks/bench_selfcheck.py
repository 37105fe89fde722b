"""Self-check engine and page saves, reported as ratios to their budgets.

* evaluating a 200-question questionnaire with branching: budget 5 ms;
* saving one questionnaire page through the whole stack: budget p95 50 ms.

Run: ``make bench`` (SQLite, then PostgreSQL via BENCH_DATABASE_URL).
"""

from __future__ import annotations

import json
import random
import re
import statistics
import sys
import time

from benchmarks.bench_guides import ROOT, _database_url
from portal import create_app
from portal.accounts.demo import load_demo_data
from portal.core import migrations
from portal.core.db import utcnow
from portal.extensions import db
from portal.guides.content.model import (
    Band,
    Clause,
    Finding,
    Option,
    Question,
    Questionnaire,
    Section,
    ShowIf,
)
from portal.guides.services import sync_from_directory
from portal.selfcheck import engine

EVALUATE_BUDGET_MS = 5.0
SAVE_BUDGET_MS = 50.0


def generated_questionnaire(questions: int = 200, *, seed: int = 115) -> Questionnaire:
    """Return a questionnaire of ``questions`` questions, a third of them conditional."""
    rng = random.Random(seed)
    sections = []
    ids: list[str] = []
    options = tuple(Option(v, {}) for v in "abc")
    for s in range(10):
        items = []
        for n in range(questions // 10):
            qid = f"q{s:02d}_{n:02d}"
            kind = rng.choice(["yes_no", "yes_no", "single_choice", "number"])
            findings: tuple[Finding, ...] = ()
            if kind == "yes_no":
                findings = (Finding(when=Clause(qid, "equals", False), obligation="X",
                                    severity="medium", action={}, correction_working_days=5,
                                    exemptions=()),)
            show_if = None
            if ids and n % 3 == 2:
                earlier = rng.choice(ids[-15:])
                show_if = ShowIf("any", (Clause(earlier, "not_equals", "c"),
                                         Clause(earlier, "gt", 10)))
            items.append(Question(
                id=qid, section=f"s{s}", type=kind, text={"zh_Hans": qid}, hint=None,
                required=True, allow_not_applicable=n % 7 == 0,
                weight=float(rng.choice([0, 1, 2, 5])), show_if=show_if, options=options,
                unit=None, min=0, max=1000, integer=True, max_length=None, accept=(),
                findings=findings))
            ids.append(qid)
        sections.append(Section(id=f"s{s}", title={"zh_Hans": f"s{s}"}, description=None,
                                show_if=None, questions=tuple(items)))
    return Questionnaire(industry="bench", version=1, title={}, intro={}, commitment={},
                         sections=tuple(sections),
                         bands=(Band("all", 0, 100, {}, {}),), digest="")


def random_answers(questionnaire: Questionnaire, rng: random.Random) -> dict:
    """Return an answer to every question, of the right type."""
    answers = {}
    for question in engine.questions(questionnaire):
        kind = question.type
        answers[question.id] = (rng.random() < .8 if kind == "yes_no" else
                                rng.choice("abc") if kind == "single_choice" else
                                rng.randint(0, 1000))
    return answers


def percentile(values: list[float], share: float) -> float:
    """Return the ``share`` percentile of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * share) - 1)]


def bench_engine() -> dict:
    """Time evaluate() on the generated questionnaire with varied answers."""
    questionnaire = generated_questionnaire()
    rng = random.Random(7)
    answer_sets = [random_answers(questionnaire, rng) for _ in range(50)]
    timings = []
    for round_ in range(500):
        answers = answer_sets[round_ % len(answer_sets)]
        start = time.perf_counter()
        engine.evaluate(questionnaire, answers)
        timings.append((time.perf_counter() - start) * 1000)
    p95 = percentile(timings, .95)
    return {"questions": len(engine.questions(questionnaire)),
            "p50_ms": round(statistics.median(timings), 3), "p95_ms": round(p95, 3),
            "ratio_to_budget": round(p95 / EVALUATE_BUDGET_MS, 3)}


def bench_page_save() -> dict:
    """Time saving the catering licences page through the test client."""
    url = _database_url()
    migrations.upgrade(url)
    app = create_app({"ENV": "test", "DATABASE_URL": url, "LOG_LEVEL": "WARNING",
                      "SECRET_KEY": "benchmark-secret-key-not-for-production",
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024,
                      "DEMO_PASSWORD": "Bench-Demo-2026"})
    with app.app_context():
        sync_from_directory(db.session, ROOT / "compliance_guides", now=utcnow())
        load_demo_data(db.session, password="Bench-Demo-2026", now=utcnow())
        db.session.commit()
    client = app.test_client()

    def token(path: str) -> str:
        page = client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    client.post("/sign-in", data={"csrf_token": token("/sign-in"),
                                  "identifier": "catering-admin@demo.nansha.invalid",
                                  "password": "Bench-Demo-2026"})
    start = client.post("/self-checks/new", data={"csrf_token": token("/self-checks")})
    assert re.search(r"/self-checks/\d+$", start.headers["Location"]), "not signed in"
    path = start.headers["Location"] + "/sections/licences"
    csrf = token(path)
    timings = []
    for n in range(220):
        data = {"csrf_token": csrf, "q-has_food_licence": "yes",
                "q-licence_valid": "yes" if n % 2 else "no", "q-licence_displayed": "yes",
                "q-business_licence_displayed": "yes", "q-registered_name_current": "yes",
                "q-registered_address_current": "yes", "q-registered_scope_current": "yes",
                "q-registered_representative_current": "yes",
                "q-licence_expiry": "2027-06-30"}
        begin = time.perf_counter()
        response = client.post(path, data=data)
        elapsed = (time.perf_counter() - begin) * 1000
        # A real save redirects to the next section of the questionnaire.
        assert response.status_code == 302, response.status_code
        assert "/sections/" in response.headers["Location"], response.headers["Location"]
        if n >= 20:  # warm-up
            timings.append(elapsed)
    p95 = percentile(timings, .95)
    dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
    return {"database": dialect, "p50_ms": round(statistics.median(timings), 2),
            "p95_ms": round(p95, 2), "ratio_to_budget": round(p95 / SAVE_BUDGET_MS, 3)}


def main() -> int:
    """Run both measurements and report them against their budgets."""
    evaluation = bench_engine()
    save = bench_page_save()
    print(f"\nSelf-check engine, {evaluation['questions']} questions with branching: "
          f"p50 {evaluation['p50_ms']} ms, p95 {evaluation['p95_ms']} ms, "
          f"p95/budget({EVALUATE_BUDGET_MS:.0f} ms) = {evaluation['ratio_to_budget']}")
    print(f"Page save ({save['database']}): p50 {save['p50_ms']} ms, p95 {save['p95_ms']} ms, "
          f"p95/budget({SAVE_BUDGET_MS:.0f} ms) = {save['ratio_to_budget']}")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"selfcheck-{save['database']}.json").write_text(
        json.dumps({"evaluate": evaluation, "page_save": save}, indent=2))
    worst = max(evaluation["ratio_to_budget"], save["ratio_to_budget"])
    return 0 if worst <= 1 else 1


if __name__ == "__main__":
    sys.exit(main())
