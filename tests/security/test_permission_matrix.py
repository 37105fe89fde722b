"""Every (endpoint, method) pair is declared with the roles that may use it, and checked.

A new route, or a new method on a route, that is not declared here fails
``test_every_endpoint_is_declared``. Each declared pair is requested by every role
(POSTs with a valid CSRF token and, where a form is posted, valid data, so that a
refusal is the permission check's doing); a refused POST must change nothing that
``Rule.state`` reads. Endpoints taking an object id are also requested with another
enterprise's object, which must be not found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Department, Enterprise, Invitation, Membership, User
from portal.accounts.services import EnterpriseRegistration, invite_member
from portal.auth.models import TokenPurpose, UserSession
from portal.auth.services import issue_token, start_registration
from portal.auth.sessions import start_session
from portal.cases.models import Case
from portal.core.db import utcnow
from portal.core.identifiers import make_uscc
from portal.exemptions.models import (
    ApplicationFile,
    ApplicationStatus,
    Decision,
    DecisionKind,
    DisclosureStatus,
    ExemptionApplication,
    FilePurpose,
    LegalReview,
    Objection,
    Outcome,
    Proposal,
)
from portal.extensions import db
from portal.guides.conditions import Corrected, Harm
from portal.guides.models import ExemptionEntryRecord, ExemptionEntryVersion
from portal.notifications.models import Notification
from portal.selfcheck.models import SelfCheck
from tests.conftest import PASSWORD, World

ROLES = ("anonymous", "enterprise_admin", "enterprise_member", "enterprise_agent", "officer",
         "legal_reviewer", "admin")
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
ENTERPRISE = frozenset({"enterprise_admin", "enterprise_member", "enterprise_agent"})
ADMIN = frozenset({"admin"})
OFFICERS = frozenset({"officer", "legal_reviewer"})
OFFICER = frozenset({"officer"})


@dataclass(frozen=True)
class Rule:
    """How to call an endpoint, who may, and how to aim it at someone else's object."""

    method: str
    path: Callable[[World], str]
    allowed: frozenset[str]
    data: Callable[[World], dict[str, object]] = lambda world: {}
    other_path: Callable[[World], str] | None = None
    #: What a refused request must leave unchanged (read before and after it).
    state: Callable[[World], object] | None = None
    #: The statuses that refuse a signed-in role that is not allowed.
    refused_with: frozenset[int] = frozenset({403, 404})
    notes: str = field(default="")


def _member_membership(world: World) -> Membership:
    return world.enterprise_member_membership


def _industry_class_path(world: World, enterprise: Enterprise) -> str:
    # Only an enterprise registered under a whole wholesale or retail division chooses.
    # (The world's objects are detached once a request has ended: change fresh copies.)
    for bare in db.session.scalars(select(Enterprise)):
        bare.industry_code = "52"
    db.session.commit()
    return f"/enterprise/{enterprise.id}/industry-class"


def _invitation_token(world: World) -> str:
    _invitation, token = invite_member(
        db.session, world.enterprise, invited_by=world.enterprise_admin,
        email="invitee@example.com", role=world.enterprise_member_membership.role,
        mandate_expires_on=None, agent_firm=None, now=utcnow(), valid_days=7)
    db.session.commit()
    return token


def _pending_invitation_id(enterprise_of: Callable[[World], object]) -> Callable[[World], int]:
    def make(world: World) -> int:
        enterprise = enterprise_of(world)
        admin = world.enterprise_admin if enterprise is world.enterprise else world.other_admin
        invitation, _token = invite_member(
            db.session, enterprise, invited_by=admin,  # type: ignore[arg-type]
            email="pending@example.com", role=world.enterprise_member_membership.role,
            mandate_expires_on=None, agent_firm=None, now=utcnow(), valid_days=7)
        db.session.commit()
        return invitation.id
    return make


_own_invitation_id = _pending_invitation_id(lambda w: w.enterprise)
_other_invitation_id = _pending_invitation_id(lambda w: w.other_enterprise)


def _newest_session_id(world: World) -> int:
    """The session that the role under test has just started by signing in."""
    newest = db.session.scalar(select(UserSession.id).order_by(UserSession.id.desc()).limit(1))
    return newest or 1  # anonymous: no session yet, and any id is refused


def _someone_elses_session_id(world: World) -> int:
    start_session(db.session, world.other_admin, user_agent="", ip_address="", now=utcnow())
    db.session.commit()
    return _newest_session_id(world)


def _link_token(purpose: TokenPurpose) -> Callable[[World], str]:
    def make(world: World) -> str:
        token = issue_token(db.session, world.other_admin, purpose, now=utcnow(),
                            lifetime=dt.timedelta(hours=1))
        db.session.commit()
        return token
    return make


def _registration_token(world: World) -> str:
    started = start_registration(db.session, EnterpriseRegistration(
        uscc=make_uscc("91440115", "MA5PM001"), name="矩阵测试有限公司", industry_code="62",
        town="huangge", address="黄阁镇1号", legal_representative="甲",
        contact_mobile="13900000000",
        contact_email="m@example.com", admin_name="乙", admin_email="matrix@example.com",
        admin_mobile=None, password="Matrix-Test-2026", locale=None),
        now=utcnow(), lifetime=dt.timedelta(hours=1))
    db.session.commit()
    assert started.token is not None
    return started.token


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _reloaded(instance):  # type: ignore[no-untyped-def]
    return db.session.get(type(instance), instance.id, populate_existing=True)


def _notification_for(user_id: int) -> int:
    notification = Notification(user_id=user_id, kind="matrix", params={}, link_endpoint=None,
                                link_args={}, created_at=utcnow())
    db.session.add(notification)
    db.session.commit()
    return notification.id


def _own_notification_id(world: World) -> int:
    """A notification of the role under test (anonymous: someone else's)."""
    newest = db.session.scalar(select(UserSession).order_by(UserSession.id.desc()).limit(1))
    return _notification_for(newest.user_id if newest else world.other_admin.id)


def _someone_elses_notification_id(world: World) -> int:
    return _notification_for(world.other_admin.id)


def _others_unread_notifications(world: World) -> list[int]:
    return list(db.session.scalars(select(Notification.id).where(
        Notification.user_id == world.other_admin.id, Notification.read_at.is_(None))
        .execution_options(populate_existing=True)))


def _credit(world: World) -> dict[str, int]:
    """Ids of a published, repairable record of each enterprise (each before its world
    department) with a submitted repair application holding one file (made once per test)."""
    made = getattr(world, "credit_ids", None)
    if made is not None:
        return made
    from decimal import Decimal

    from portal.credit.models import (
        CreditRecord,
        PublicationStatus,
        RepairApplication,
        RepairFile,
        RepairMaterial,
    )

    today = utcnow().date()
    file = _reloaded(world.case).files[0]
    ids: dict[str, int] = {}
    for key, enterprise, department in (("own", world.enterprise, world.department),
                                        ("other", world.other_enterprise,
                                         world.other_department)):
        for suffix in ("", "_applied"):
            record = CreditRecord(
                decision_number=f"矩阵罚〔2025〕{key}{suffix}号", enterprise_id=enterprise.id,
                department_code=department.code, violation="未公示许可证",
                penalty_types=["fine"], fine_amount=Decimal("100"),
                decision_date=today - dt.timedelta(days=400), record_class="general",
                performed_on=today - dt.timedelta(days=390),
                publication_status=PublicationStatus.PUBLISHED,
                publication_starts_on=today - dt.timedelta(days=400),
                publication_ends_on=today + dt.timedelta(days=400),
                earliest_repair_on=today - dt.timedelta(days=300))
            db.session.add(record)
            db.session.flush()
            ids[f"{key}_record{suffix}"] = record.id
        application = RepairApplication(
            record_id=ids[f"{key}_record_applied"], enterprise_id=enterprise.id,
            department_code=department.code, commitment_text="承诺", statement="已缴纳罚款",
            submitted_by_id=world.enterprise_admin.id, review_due=today + dt.timedelta(days=14))
        db.session.add(application)
        db.session.flush()
        repair_file = RepairFile(application_id=application.id,
                                 material=RepairMaterial.PROOF_OF_PERFORMANCE, sha256=file.sha256,
                                 name="proof.pdf", size=file.size, content_type=file.content_type,
                                 uploaded_by_id=world.enterprise_admin.id)
        db.session.add(repair_file)
        db.session.flush()
        ids[f"{key}_application"], ids[f"{key}_file"] = application.id, repair_file.id
    db.session.commit()
    world.credit_ids = ids  # type: ignore[attr-defined]
    return ids


def _credit_count(model_name: str) -> Callable[[World], int]:
    def count(world: World) -> int:
        from portal.credit import models
        return _count(getattr(models, model_name))
    return count


def _application_states(world: World) -> list[object]:
    from portal.credit.models import RepairApplication
    return sorted((row.id, row.status, row.version) for row in db.session.scalars(
        select(RepairApplication).execution_options(populate_existing=True)))


def _proof_pdf() -> tuple[object, str]:
    import io

    from tests.samples import pdf_bytes
    return (io.BytesIO(pdf_bytes()), "proof.pdf")


def _import_csv(world: World) -> tuple[object, str]:
    import io
    header = ("行政处罚决定书文号,统一社会信用代码,处罚机关代码,违法行为,处罚种类,"
              "罚款金额（元）,处罚决定日期,信息类别")
    row = (f"矩阵导入〔2026〕1号,{world.enterprise.uscc},{world.department.code},"
           "未公示许可证,罚款,100,2026-01-05,一般")
    return (io.BytesIO(f"{header}\n{row}\n".encode("gbk")), "records.csv")


def _standing_state(world: World) -> list[object]:
    from portal.credit.models import CreditStanding
    return sorted((row.enterprise_id, row.risk_override, row.on_abnormal_list)
                  for row in db.session.scalars(select(CreditStanding).execution_options(
                      populate_existing=True)))
#: The application under test, for helpers that issue decisions through the services.
_APP: list[object] = []


@pytest.fixture(autouse=True)
def _remember_app(app):  # type: ignore[no-untyped-def]
    _APP[:] = [app]


def _decision(world: World, *, other: bool = False, published: bool = True):  # type: ignore[no-untyped-def]
    """Grant an application of the world's enterprise (``other``: of the other enterprise,
    before the other department) and return the decision, published since yesterday."""
    from portal.core.clock import local_today
    from portal.exemptions import services
    from portal.exemptions.models import Decision
    from tests.exemptions.helpers import statement, verify_all
    from tests.factories import UserFactory, make_entry

    app = _APP[0]
    with app.test_request_context():  # type: ignore[attr-defined]
        department = db.session.get(Department,
                                    (world.other_department if other else world.department).id)
        enterprise = db.session.get(Enterprise,
                                    (world.other_enterprise if other else world.enterprise).id)
        actor = db.session.get(User, (world.other_admin if other else world.enterprise_admin).id)
        key = f"matrix-{department.code}".replace("_", "-")
        if db.session.scalar(select(func.count()).select_from(Decision).where(
                Decision.enterprise_id == enterprise.id)):
            decision = db.session.scalar(select(Decision).where(
                Decision.enterprise_id == enterprise.id))
            return decision.id, decision.verification_code
        department.short_name_confirmed = True
        make_entry(key, department=department.code)
        officer = (UserFactory(officer=True, department=department) if other
                   else db.session.get(User, world.officer.id))
        db.session.commit()
        application = services.open_application(
            db.session, app.extensions["storage"], enterprise, actor=actor,  # type: ignore[attr-defined]
            entry_key=key, statement=statement(), today=local_today(), now=utcnow(),
            review_working_days=10)
        db.session.commit()
        verify_all(world, application, officer=officer)
        decision = services.grant(db.session, application, actor=officer,
                                  expected_version=application.version, today=local_today(),
                                  now=utcnow(), disclosure_delay_working_days=7)
        if published:
            decision.publish_on = local_today() - dt.timedelta(days=1)
        db.session.commit()
        return decision.id, decision.verification_code
def _application_of(own: bool) -> Callable[[World], ExemptionApplication]:
    """An exemption application of the world's (or the other) enterprise with one file, as
    rows (no request needed)."""

    def make(world: World) -> ExemptionApplication:
        case = world.case if own else world.other_case
        existing = db.session.scalar(select(ExemptionApplication).where(
            ExemptionApplication.enterprise_id == case.enterprise_id))
        if existing is not None:
            return existing
        version = db.session.scalar(
            select(ExemptionEntryVersion).join(ExemptionEntryRecord).where(
                ExemptionEntryRecord.key == world.entry.key))
        assert version is not None
        actor = world.enterprise_admin if own else world.other_admin
        today = utcnow().date()
        application = ExemptionApplication(
            enterprise_id=case.enterprise_id, department_code=version.department,
            entry_key=world.entry.key, entry_version_id=version.id, facts="价签缺失",
            violation_on=today - dt.timedelta(days=3), harm=Harm.NONE, harm_statement="无",
            first_violation_declared=True, exempted_before_declared=False,
            corrected=Corrected.ON_THE_SPOT, commitment_text="承诺", submitted_by_id=actor.id,
            submitted_on=today, review_due=today + dt.timedelta(days=14),
            action_due=today + dt.timedelta(days=14))
        db.session.add(application)
        db.session.flush()
        application.reference = f"MF{today.year}{application.id:07d}"
        evidence = db.session.get(Case, case.id).files[0]  # type: ignore[union-attr]
        db.session.add(ApplicationFile(
            application_id=application.id, purpose=FilePurpose.APPLICATION,
            sha256=evidence.sha256, name=evidence.name, size=evidence.size,
            content_type=evidence.content_type, uploaded_by_id=actor.id))
        db.session.commit()
        return application
    return make


_own_application = _application_of(True)
_other_application = _application_of(False)


def _application_path(suffix: str = "", *, own: bool = True) -> Callable[[World], str]:
    def path(world: World) -> str:
        application = (_own_application if own else _other_application)(world)
        return f"/exemptions/applications/{application.id}{suffix}"
    return path


def _application_file_path(own: bool) -> Callable[[World], str]:
    def path(world: World) -> str:
        application = (_own_application if own else _other_application)(world)
        return f"/exemptions/applications/{application.id}/files/{application.files[0].id}"
    return path


def _applications_state(world: World) -> list[object]:
    _own_application(world), _other_application(world)
    return sorted((row.id, row.status.value, row.version, len(row.objections))
                  for row in db.session.scalars(select(ExemptionApplication).execution_options(
                      populate_existing=True)))


def _version_of_own_application(world: World) -> int:
    return _own_application(world).version


def _officer_file_path(own: bool) -> Callable[[World], str]:
    """A file of the submitted application before the world's (or the other) department."""
    def path(world: World) -> str:
        application = _exemptions(world)["submitted" if own else "other_submitted"]
        existing = db.session.scalar(select(ApplicationFile).where(
            ApplicationFile.application_id == application.id))
        if existing is None:
            evidence = db.session.get(Case, world.case.id).files[0]  # type: ignore[union-attr]
            existing = ApplicationFile(
                application_id=application.id, purpose=FilePurpose.APPLICATION,
                sha256=evidence.sha256, name=evidence.name, size=evidence.size,
                content_type=evidence.content_type, uploaded_by_id=world.enterprise_admin.id)
            db.session.add(existing)
            db.session.commit()
        return f"/officer/exemptions/{application.id}/files/{existing.id}"
    return path


def _import_progress(own: bool) -> Callable[[World], str]:
    """The progress of an import run by the world's officer (or by a colleague)."""
    def path(world: World) -> str:
        from portal.core import progress
        token = ("matrix-progress-" + ("own" if own else "colleague")).ljust(16, "0")
        with _APP[0].app_context():  # type: ignore[attr-defined]
            user = world.officer if own else world.colleague
            progress.report(user.id, token, progress.Progress(5, 10))
        return f"/officer/credit/import/progress/{token}"
    return path


def _exemption_application(world: World, key: str, *, other: bool, status: ApplicationStatus,
                           days_ago: int) -> ExemptionApplication:
    """An application as rows (no request needed), under an entry of its department."""
    from tests.factories import make_entry

    department = world.other_department if other else world.department
    enterprise = world.other_enterprise if other else world.enterprise
    record = make_entry(key, department=department.code)
    today = utcnow().date()
    application = ExemptionApplication(
        enterprise_id=enterprise.id, department_code=department.code, entry_key=key,
        entry_version_id=record.versions[0].id, facts="未明码标价",
        violation_on=today - dt.timedelta(days=days_ago), harm=Harm.NONE,
        harm_statement="无", first_violation_declared=True, exempted_before_declared=False,
        corrected=Corrected.ON_THE_SPOT, commitment_text="承诺", status=status,
        submitted_by_id=(world.other_admin if other else world.enterprise_admin).id,
        submitted_on=today, review_due=today + dt.timedelta(days=14),
        action_due=None if status in (ApplicationStatus.GRANTED, ApplicationStatus.REFUSED)
        else today + dt.timedelta(days=14))
    if status == ApplicationStatus.LEGAL_REVIEW:
        application.proposal, application.proposed_by_id = Proposal.GRANT, world.officer.id
    db.session.add(application)
    db.session.flush()
    application.reference = f"MF{today.year}{application.id:07d}"
    return application


def _exemptions(world: World) -> dict[str, ExemptionApplication]:
    """Each department's applications in the states the matrix needs (made once per test).

    The allowed roles' requests are refused by a rule where a success would notify the
    enterprise (its page is another feature's): the matrix checks access, not the steps.
    """
    made = getattr(world, "exemptions", None)
    if made is not None:
        return made
    made = {}
    for prefix, other in (("", False), ("other_", True)):
        for days, status in enumerate(ApplicationStatus):
            if status in (ApplicationStatus.SUBMITTED, ApplicationStatus.LEGAL_REVIEW,
                          ApplicationStatus.REFUSED, ApplicationStatus.GRANTED):
                made[prefix + status.value] = _exemption_application(
                    world, f"matrix-{prefix}{status.value}", other=other, status=status,
                    days_ago=days + 1)
        refused = made[prefix + "refused"]
        db.session.add(Objection(application_id=refused.id, text="异议", filed_by_id=(
            world.other_admin if other else world.enterprise_admin).id, answer="已答复",
            answered_by_id=world.officer.id, answered_at=utcnow()))
        granted = made[prefix + "granted"]
        today = utcnow().date()
        db.session.add(Decision(
            application_id=granted.id, kind=DecisionKind.GRANT, outcome=Outcome.NO_PENALTY,
            department_code=granted.department_code, enterprise_id=granted.enterprise_id,
            entry_key=granted.entry_key, authority="穗南市监", doc_type="不罚", year=today.year,
            number=granted.id, document_number=f"穗南市监不罚〔{today.year}〕{granted.id}号",
            verification_code=f"matrix{granted.id:010d}", digest="0" * 64, content={},
            issued_on=today, issued_by_id=world.officer.id,
            disclosure=DisclosureStatus.PUBLISHED, publish_on=today))
    db.session.commit()
    world.exemptions = made  # type: ignore[attr-defined]
    return made


def _exemption_path(state: str, suffix: str = "", *, other: bool = False,
                    ) -> Callable[[World], str]:
    def path(world: World) -> str:
        application = _exemptions(world)[("other_" if other else "") + state]
        if suffix == "objection":
            return (f"/officer/exemptions/{application.id}/objections/"
                    f"{application.objections[0].id}/answer")
        if suffix == "withdraw":
            return f"/officer/exemptions/decisions/{application.decision.id}/withdraw"
        return f"/officer/exemptions/{application.id}{suffix}"
    return path


def _exemption_version(state: str) -> Callable[[World], dict[str, object]]:
    def data(world: World) -> dict[str, object]:
        return {"version": _reloaded(_exemptions(world)[state]).version}
    return data


def _every_condition_confirmed(world: World) -> dict[str, object]:
    from portal.exemptions.rules import conditions_of

    application = _reloaded(_exemptions(world)["submitted"])
    return {**{f"condition_{index:02d}": "yes"
               for index in range(len(conditions_of(application)))},
            "version": application.version}


def _exemption_state(world: World) -> object:
    """Everything a refused exemption step must leave unchanged."""
    return [sorted(db.session.execute(select(
                ExemptionApplication.id, ExemptionApplication.status,
                ExemptionApplication.version).execution_options(populate_existing=True)).all()),
            sorted(db.session.execute(select(Decision.id, Decision.disclosure,
                                             Decision.version)).all()),
            sorted(db.session.scalars(select(Objection.answer))), _count(LegalReview)]


STRONG_PASSWORD = "Harbour-Lights-2026"

ENDPOINTS: dict[tuple[str, str], Rule] = {
    ("static", "GET"): Rule("GET", lambda w: "/static/css/portal.css", EVERYONE),
    ("main.home", "GET"): Rule("GET", lambda w: "/", EVERYONE),
    ("main.healthz", "GET"): Rule("GET", lambda w: "/healthz", EVERYONE),
    ("main.readyz", "GET"): Rule("GET", lambda w: "/readyz", EVERYONE),
    ("main.robots", "GET"): Rule("GET", lambda w: "/robots.txt", EVERYONE),
    ("main.favicon", "GET"): Rule("GET", lambda w: "/favicon.ico", EVERYONE),
    ("main.set_language", "POST"): Rule("POST", lambda w: "/language", EVERYONE,
                                        data=lambda w: {"locale": "en"}),
    ("auth.sign_in", "GET"): Rule("GET", lambda w: "/sign-in", EVERYONE),
    ("auth.sign_in", "POST"): Rule(
        "POST", lambda w: "/sign-in", EVERYONE,
        data=lambda w: {"identifier": w.enterprise_member.email, "password": PASSWORD}),
    ("auth.register", "GET"): Rule("GET", lambda w: "/register", EVERYONE),
    ("auth.register", "POST"): Rule(
        "POST", lambda w: "/register", EVERYONE,
        data=lambda w: {
            "uscc": make_uscc("91440115", "MA5PM001"), "name": "广州南沙矩阵测试有限公司",
            "industry_code": "62", "town": "huangge", "address": "黄阁镇麒龙西路1号",
            "legal_representative": "王五", "contact_mobile": "13900139000",
            "contact_email": "matrix@example.com", "admin_name": "王小五",
            "admin_email": "matrix.admin@example.com", "admin_mobile": "13900139001",
            "password": STRONG_PASSWORD, "confirm": STRONG_PASSWORD}),
    ("auth.sign_out", "POST"): Rule("POST", lambda w: "/sign-out", SIGNED_IN),
    ("auth.sign_out_all", "POST"): Rule("POST", lambda w: "/account/sign-out-everywhere",
                                        SIGNED_IN),
    ("auth.password", "GET"): Rule("GET", lambda w: "/account/password", SIGNED_IN),
    ("auth.password", "POST"): Rule(
        "POST", lambda w: "/account/password", SIGNED_IN,
        data=lambda w: {"current_password": PASSWORD, "password": STRONG_PASSWORD,
                        "confirm": STRONG_PASSWORD},
        state=lambda w: sorted(u.password_hash for u in db.session.scalars(select(User)))),
    ("auth.invitation", "GET"): Rule(
        "GET", lambda w: f"/invitations/{_invitation_token(w)}", EVERYONE),
    # Someone signed in cannot accept an invitation for an account of their own: 409.
    ("auth.invitation", "POST"): Rule(
        "POST", lambda w: f"/invitations/{_invitation_token(w)}", frozenset({"anonymous"}),
        data=lambda w: {"display_name": "新同事", "password": STRONG_PASSWORD,
                        "confirm": STRONG_PASSWORD},
        state=lambda w: _count(Membership), refused_with=frozenset({409})),
    ("auth.forgot_password", "GET"): Rule("GET", lambda w: "/password-reset", EVERYONE),
    ("auth.reset_password_with_link", "GET"): Rule(
        "GET", lambda w: f"/password-reset/{_link_token(TokenPurpose.PASSWORD_RESET)(w)}",
        EVERYONE),
    ("auth.unlock", "GET"): Rule(
        "GET", lambda w: f"/account/unlock/{_link_token(TokenPurpose.UNLOCK)(w)}", EVERYONE),
    ("auth.confirm_registration_with_link", "GET"): Rule(
        "GET", lambda w: f"/register/confirm/{_registration_token(w)}", EVERYONE),
    ("auth.forgot_password", "POST"): Rule(
        "POST", lambda w: "/password-reset", EVERYONE,
        data=lambda w: {"identifier": w.enterprise_member.email}),
    ("auth.reset_password_with_link", "POST"): Rule(
        "POST", lambda w: f"/password-reset/{_link_token(TokenPurpose.PASSWORD_RESET)(w)}",
        EVERYONE, data=lambda w: {"password": STRONG_PASSWORD, "confirm": STRONG_PASSWORD}),
    ("auth.unlock", "POST"): Rule(
        "POST", lambda w: f"/account/unlock/{_link_token(TokenPurpose.UNLOCK)(w)}", EVERYONE),
    ("auth.confirm_registration_with_link", "POST"): Rule(
        "POST", lambda w: f"/register/confirm/{_registration_token(w)}", EVERYONE),
    ("auth.end_other_session", "POST"): Rule(
        "POST", lambda w: f"/account/sessions/{_newest_session_id(w)}/end", SIGNED_IN,
        other_path=lambda w: f"/account/sessions/{_someone_elses_session_id(w)}/end"),
    ("accounts.profile", "GET"): Rule("GET", lambda w: "/account", SIGNED_IN),
    ("accounts.switch_enterprise", "POST"): Rule(
        "POST", lambda w: "/account/enterprise", ENTERPRISE,
        data=lambda w: {"enterprise_id": w.enterprise.id}),
    ("accounts.enterprise", "GET"): Rule("GET", lambda w: "/enterprise", ENTERPRISE),
    ("accounts.industry_class", "GET"): Rule(
        "GET", lambda w: _industry_class_path(w, w.enterprise), frozenset({"enterprise_admin"}),
        other_path=lambda w: _industry_class_path(w, w.other_enterprise)),
    ("accounts.industry_class", "POST"): Rule(
        "POST", lambda w: _industry_class_path(w, w.enterprise), frozenset({"enterprise_admin"}),
        data=lambda w: {"industry_class": "5212"},
        other_path=lambda w: _industry_class_path(w, w.other_enterprise),
        state=lambda w: sorted(db.session.scalars(select(Enterprise.industry_code)))),
    ("accounts.members", "GET"): Rule(
        "GET", lambda w: f"/enterprise/{w.enterprise.id}/members",
        frozenset({"enterprise_admin", "enterprise_member"}),
        other_path=lambda w: f"/enterprise/{w.other_enterprise.id}/members"),
    ("accounts.invite", "GET"): Rule(
        "GET", lambda w: f"/enterprise/{w.enterprise.id}/members/invite",
        frozenset({"enterprise_admin"}),
        other_path=lambda w: f"/enterprise/{w.other_enterprise.id}/members/invite"),
    ("accounts.invite", "POST"): Rule(
        "POST", lambda w: f"/enterprise/{w.enterprise.id}/members/invite",
        frozenset({"enterprise_admin"}),
        data=lambda w: {"email": "matrix.invitee@example.com", "role": "member"},
        other_path=lambda w: f"/enterprise/{w.other_enterprise.id}/members/invite",
        state=lambda w: _count(Invitation)),
    ("accounts.cancel_invitation", "POST"): Rule(
        "POST",
        lambda w: f"/enterprise/{w.enterprise.id}/invitations/{_own_invitation_id(w)}/cancel",
        frozenset({"enterprise_admin"}),
        other_path=lambda w: (f"/enterprise/{w.enterprise.id}/invitations/"
                              f"{_other_invitation_id(w)}/cancel"),
        state=lambda w: sorted(str(i.revoked_at) for i in db.session.scalars(select(Invitation)))),
    ("accounts.revoke", "POST"): Rule(
        "POST",
        lambda w: f"/enterprise/{w.enterprise.id}/members/{_member_membership(w).id}/revoke",
        frozenset({"enterprise_admin"}),
        data=lambda w: {"version": _member_membership(w).version},
        other_path=lambda w: (f"/enterprise/{w.enterprise.id}/members/"
                              f"{w.other_member_membership.id}/revoke"),
        state=lambda w: sorted(db.session.scalars(select(Membership.status)))),
    ("accounts.mandate", "GET"): Rule(
        "GET",
        lambda w: f"/enterprise/{w.enterprise.id}/members/{w.agent_membership.id}/mandate",
        frozenset({"enterprise_admin"}),
        other_path=lambda w: (f"/enterprise/{w.other_enterprise.id}/members/"
                              f"{w.agent_membership.id}/mandate")),
    ("accounts.mandate", "POST"): Rule(
        "POST",
        lambda w: f"/enterprise/{w.enterprise.id}/members/{w.agent_membership.id}/mandate",
        frozenset({"enterprise_admin"}),
        data=lambda w: {"mandate_expires_on": (utcnow().date() + dt.timedelta(days=30)
                                               ).isoformat(),
                        "version": w.agent_membership.version},
        other_path=lambda w: (f"/enterprise/{w.other_enterprise.id}/members/"
                              f"{w.agent_membership.id}/mandate"),
        state=lambda w: _reloaded(w.agent_membership).mandate_expires_on),
    ("admin.index", "GET"): Rule("GET", lambda w: "/admin/", ADMIN),
    ("admin.users", "GET"): Rule("GET", lambda w: "/admin/users", ADMIN),
    ("admin.create_user", "GET"): Rule("GET", lambda w: "/admin/users/new", ADMIN),
    ("admin.create_user", "POST"): Rule(
        "POST", lambda w: "/admin/users/new", ADMIN,
        data=lambda w: {"display_name": "新执法人员", "email": "matrix.officer@example.gov.cn",
                        "kind": "officer", "department": str(w.department.id),
                        "password": STRONG_PASSWORD},
        state=lambda w: _count(User)),
    ("admin.toggle_user", "POST"): Rule(
        "POST", lambda w: f"/admin/users/{w.officer.id}/active", ADMIN,
        other_path=lambda w: f"/admin/users/{w.enterprise_admin.id}/active",
        state=lambda w: sorted(db.session.scalars(select(User.is_active)))),
    ("admin.departments", "GET"): Rule("GET", lambda w: "/admin/departments", ADMIN),
    ("admin.departments", "POST"): Rule(
        "POST", lambda w: "/admin/departments", ADMIN,
        data=lambda w: {"code": "matrix_bureau", "name_zh_hans": "区矩阵测试局",
                        "name_en": "District matrix bureau", "short_name": "穗南矩"},
        state=lambda w: _count(Department)),
    ("admin.department_short_name", "GET"): Rule(
        "GET", lambda w: f"/admin/departments/{w.department.id}/short-name", ADMIN),
    ("admin.department_short_name", "POST"): Rule(
        "POST", lambda w: f"/admin/departments/{w.department.id}/short-name", ADMIN,
        data=lambda w: {"short_name": "穗南矩", "confirmed": "y"},
        state=lambda w: sorted(db.session.execute(
            select(Department.short_name, Department.short_name_confirmed)).all())),
    ("admin.audit", "GET"): Rule("GET", lambda w: "/admin/audit", ADMIN),
    ("admin.content", "GET"): Rule("GET", lambda w: "/admin/content", ADMIN),
    ("guides.index", "GET"): Rule("GET", lambda w: "/guides", EVERYONE),
    ("guides.guide", "GET"): Rule("GET", lambda w: f"/guides/{w.guide.slug}", EVERYONE),
    ("guides.entries", "GET"): Rule("GET", lambda w: "/exemptions", EVERYONE),
    ("guides.entry", "GET"): Rule("GET", lambda w: f"/exemptions/{w.entry.key}", EVERYONE),
    ("guides.export", "GET"): Rule("GET", lambda w: "/exemptions/export.csv", EVERYONE),
    ("guides.precheck", "GET"): Rule("GET", lambda w: "/check", EVERYONE),
    ("guides.precheck_question", "GET"): Rule("GET", lambda w: f"/check/{w.entry.key}",
                                              EVERYONE),
    ("api.exemption_entries", "GET"): Rule("GET", lambda w: "/api/v1/exemption-entries",
                                           EVERYONE),
    ("api.openapi", "GET"): Rule("GET", lambda w: "/api/v1/openapi.json", EVERYONE),
    ("api.decisions", "GET"): Rule("GET", lambda w: "/api/v1/decisions", EVERYONE),
    ("api.decision", "GET"): Rule(
        "GET", lambda w: f"/api/v1/decisions/{_decision(w)[0]}", EVERYONE),
    ("disclosure.index", "GET"): Rule("GET", lambda w: "/decisions", EVERYONE),
    ("disclosure.show", "GET"): Rule(
        "GET", lambda w: f"/decisions/{_decision(w)[0]}", EVERYONE),
    ("disclosure.verify", "GET"): Rule(
        "GET", lambda w: f"/verify/{_decision(w)[1]}", EVERYONE),
    ("disclosure.document", "GET"): Rule(
        "GET", lambda w: f"/decisions/document/{_decision(w)[0]}", ENTERPRISE | OFFICERS,
        other_path=lambda w: f"/decisions/document/{_decision(w, other=True)[0]}"),
    ("disclosure.document_pdf", "GET"): Rule(
        "GET", lambda w: f"/decisions/document/{_decision(w)[0]}.pdf", ENTERPRISE | OFFICERS,
        other_path=lambda w: f"/decisions/document/{_decision(w, other=True)[0]}.pdf"),
    ("api.precheck", "GET"): Rule(
        "GET", lambda w: f"/api/v1/precheck/{w.entry.key}?first_time=yes&harm=none", EVERYONE),
    ("selfcheck.index", "GET"): Rule("GET", lambda w: "/self-checks", ENTERPRISE),
    ("selfcheck.start", "POST"): Rule("POST", lambda w: "/self-checks/new", ENTERPRISE,
                                      state=lambda w: _count(SelfCheck)),
    ("selfcheck.tasks", "GET"): Rule(
        "GET", lambda w: f"/self-checks/{w.draft.id}", ENTERPRISE,
        other_path=lambda w: f"/self-checks/{w.other_draft.id}"),
    ("selfcheck.section", "GET"): Rule(
        "GET", lambda w: f"/self-checks/{w.draft.id}/sections/s1", ENTERPRISE,
        other_path=lambda w: f"/self-checks/{w.other_draft.id}/sections/s1"),
    ("selfcheck.section", "POST"): Rule(
        "POST", lambda w: f"/self-checks/{w.draft.id}/sections/s1", ENTERPRISE,
        data=lambda w: {"q-licensed": "yes"},
        other_path=lambda w: f"/self-checks/{w.other_draft.id}/sections/s1",
        state=lambda w: [_reloaded(w.draft).answers, _reloaded(w.other_draft).answers]),
    ("selfcheck.check_answers", "GET"): Rule(
        "GET", lambda w: f"/self-checks/{w.draft.id}/check-answers", ENTERPRISE,
        other_path=lambda w: f"/self-checks/{w.other_draft.id}/check-answers"),
    ("selfcheck.declaration", "GET"): Rule(
        "GET", lambda w: f"/self-checks/{w.draft.id}/declaration", ENTERPRISE,
        other_path=lambda w: f"/self-checks/{w.other_draft.id}/declaration"),
    ("selfcheck.declaration", "POST"): Rule(
        "POST", lambda w: f"/self-checks/{w.draft.id}/declaration", ENTERPRISE,
        data=lambda w: {"agree": "y",
                        "version": w.draft.version},
        other_path=lambda w: f"/self-checks/{w.other_draft.id}/declaration",
        state=lambda w: [_reloaded(w.draft).status, _reloaded(w.other_draft).status]),
    ("selfcheck.confirmation", "GET"): Rule(
        "GET", lambda w: f"/self-checks/{w.submitted.id}/confirmation", ENTERPRISE,
        other_path=lambda w: f"/self-checks/{w.other_submitted.id}/confirmation"),
    ("selfcheck.result", "GET"): Rule(
        "GET", lambda w: f"/self-checks/{w.submitted.id}/result", ENTERPRISE,
        other_path=lambda w: f"/self-checks/{w.other_submitted.id}/result"),
    ("selfcheck.result_pdf", "GET"): Rule(
        "GET", lambda w: f"/self-checks/{w.submitted.id}/result.pdf", ENTERPRISE,
        other_path=lambda w: f"/self-checks/{w.other_submitted.id}/result.pdf"),
    ("selfcheck.attachment", "GET"): Rule(
        "GET", lambda w: f"/self-checks/{w.submitted.id}/files/evidence", ENTERPRISE | OFFICERS,
        other_path=lambda w: f"/self-checks/{w.other_submitted.id}/files/evidence"),
    ("selfcheck.officer_list", "GET"): Rule("GET", lambda w: "/officer/self-checks", OFFICERS),
    ("selfcheck.officer_view", "GET"): Rule(
        "GET", lambda w: f"/officer/self-checks/{w.submitted.id}", OFFICERS,
        other_path=lambda w: f"/officer/self-checks/{w.other_submitted.id}"),
    ("notifications.index", "GET"): Rule("GET", lambda w: "/notifications", SIGNED_IN),
    ("notifications.read", "POST"): Rule(
        "POST", lambda w: f"/notifications/{_own_notification_id(w)}/read", SIGNED_IN,
        other_path=lambda w: f"/notifications/{_someone_elses_notification_id(w)}/read",
        state=_others_unread_notifications),
    ("notifications.read_all", "POST"): Rule(
        "POST", lambda w: "/notifications/read-all", SIGNED_IN,
        state=_others_unread_notifications),
    ("cases.index", "GET"): Rule("GET", lambda w: "/cases", ENTERPRISE),
    ("cases.new", "GET"): Rule("GET", lambda w: "/cases/new", ENTERPRISE),
    ("cases.new", "POST"): Rule(
        "POST", lambda w: "/cases/new", ENTERPRISE,
        data=lambda w: {"department": w.department.code, "problem": "灭火器过期",
                        "requirement": "更换灭火器",
                        "due_date": (utcnow().date() + dt.timedelta(days=20)).isoformat()},
        state=lambda w: _count(Case)),
    ("cases.from_finding", "POST"): Rule(
        "POST", lambda w: f"/self-checks/{w.submitted.id}/findings/"
                          f"{w.submitted.findings[0].id}/case", ENTERPRISE,
        other_path=lambda w: (f"/self-checks/{w.other_submitted.id}/findings/"
                              f"{w.other_submitted.findings[0].id}/case"),
        state=lambda w: _count(Case)),
    ("cases.show", "GET"): Rule(
        "GET", lambda w: f"/cases/{w.case.id}", ENTERPRISE | OFFICERS,
        other_path=lambda w: f"/cases/{w.other_case.id}"),
    ("cases.report", "GET"): Rule(
        "GET", lambda w: f"/cases/{w.case.id}/report", ENTERPRISE,
        other_path=lambda w: f"/cases/{w.other_case.id}/report"),
    ("cases.report", "POST"): Rule(
        "POST", lambda w: f"/cases/{w.case.id}/report", ENTERPRISE,
        data=lambda w: {"description": "已整改", "completed_on": utcnow().date().isoformat(),
                        "commitment": "y", "version": _reloaded(w.case).version},
        other_path=lambda w: f"/cases/{w.other_case.id}/report",
        state=lambda w: [_reloaded(w.case).status, _reloaded(w.other_case).status]),
    ("cases.withdraw", "POST"): Rule(
        "POST", lambda w: f"/cases/{w.case.id}/withdraw", ENTERPRISE,
        data=lambda w: {"version": _reloaded(w.case).version},
        other_path=lambda w: f"/cases/{w.other_case.id}/withdraw",
        state=lambda w: [_reloaded(w.case).status, _reloaded(w.other_case).status]),
    ("cases.download", "GET"): Rule(
        "GET", lambda w: f"/cases/{w.case.id}/files/{_reloaded(w.case).files[0].id}",
        ENTERPRISE | OFFICERS,
        other_path=lambda w: (f"/cases/{w.other_case.id}/files/"
                              f"{_reloaded(w.other_case).files[0].id}")),
    ("cases.file_thumbnail", "GET"): Rule(
        "GET", lambda w: (f"/cases/{w.case.id}/files/{_reloaded(w.case).files[0].id}"
                          "/thumbnail"),
        frozenset(), refused_with=frozenset({404}),
        notes="the file is a PDF: no thumbnail for anyone",
        other_path=lambda w: (f"/cases/{w.other_case.id}/files/"
                              f"{_reloaded(w.other_case).files[0].id}/thumbnail")),
    ("cases.queue", "GET"): Rule("GET", lambda w: "/officer/cases", OFFICERS),
    ("cases.order", "GET"): Rule("GET", lambda w: "/officer/cases/new", OFFICER),
    ("cases.order", "POST"): Rule(
        "POST", lambda w: "/officer/cases/new", OFFICER,
        data=lambda w: {"uscc": w.enterprise.uscc, "problem": "未公示许可证",
                        "requirement": "公示许可证", "working_days": "5"},
        state=lambda w: _count(Case)),
    ("cases.review", "POST"): Rule(
        "POST", lambda w: f"/cases/{w.case.id}/review", OFFICER,
        data=lambda w: {"decision": "accept", "reasons": "", "version": _reloaded(w.case).version},
        other_path=lambda w: f"/cases/{w.other_case.id}/review",
        state=lambda w: [_reloaded(w.case).status, _reloaded(w.other_case).status]),
    ("cases.close", "POST"): Rule(
        "POST", lambda w: f"/cases/{w.case.id}/close", OFFICER,
        data=lambda w: {"decision": "find_overdue", "reasons": "逾期",
                        "version": _reloaded(w.case).version},
        other_path=lambda w: f"/cases/{w.other_case.id}/close",
        state=lambda w: [_reloaded(w.case).status, _reloaded(w.other_case).status]),
    ("cases.reinspection", "GET"): Rule(
        "GET", lambda w: f"/cases/{w.case.id}/reinspection", OFFICER,
        other_path=lambda w: f"/cases/{w.other_case.id}/reinspection"),
    ("cases.reinspection", "POST"): Rule(
        "POST", lambda w: f"/cases/{w.case.id}/reinspection", OFFICER,
        data=lambda w: {"inspected_on": utcnow().date().isoformat(),
                        "officers": [str(w.officer.id), str(w.colleague.id)],
                        "findings": "现场已整改", "version": _reloaded(w.case).version},
        other_path=lambda w: f"/cases/{w.other_case.id}/reinspection",
        state=lambda w: [_reloaded(w.case).version, _reloaded(w.other_case).version]),
    ("cases.extend", "GET"): Rule(
        "GET", lambda w: f"/cases/{w.case.id}/extend", OFFICER,
        other_path=lambda w: f"/cases/{w.other_case.id}/extend"),
    ("cases.extend", "POST"): Rule(
        "POST", lambda w: f"/cases/{w.case.id}/extend", OFFICER,
        data=lambda w: {"working_days": "5", "reason": "需采购设备",
                        "version": _reloaded(w.case).version},
        other_path=lambda w: f"/cases/{w.other_case.id}/extend",
        state=lambda w: [_reloaded(w.case).due_date, _reloaded(w.other_case).due_date]),
    ("credit.index", "GET"): Rule("GET", lambda w: "/credit", ENTERPRISE),
    ("credit.repair", "GET"): Rule(
        "GET", lambda w: f"/credit/records/{_credit(w)['own_record']}/repair", ENTERPRISE,
        other_path=lambda w: f"/credit/records/{_credit(w)['other_record']}/repair"),
    ("credit.repair", "POST"): Rule(
        "POST", lambda w: f"/credit/records/{_credit(w)['own_record']}/repair", ENTERPRISE,
        data=lambda w: {"statement": "罚款已缴清", "commitment": "y", "proof": _proof_pdf()},
        other_path=lambda w: f"/credit/records/{_credit(w)['other_record']}/repair",
        state=_credit_count("RepairApplication")),
    ("credit.supplement", "POST"): Rule(
        "POST", lambda w: f"/credit/repairs/{_credit(w)['own_application']}/supplement",
        ENTERPRISE, data=lambda w: {"statement": "补充", "version": "1", "proof": _proof_pdf()},
        other_path=lambda w: f"/credit/repairs/{_credit(w)['other_application']}/supplement",
        state=_application_states),
    ("credit.objection", "POST"): Rule(
        "POST", lambda w: f"/credit/repairs/{_credit(w)['own_application']}/objection",
        ENTERPRISE, data=lambda w: {"objection": "不服", "version": "1"},
        other_path=lambda w: f"/credit/repairs/{_credit(w)['other_application']}/objection",
        state=_application_states),
    ("credit.download", "GET"): Rule(
        "GET", lambda w: (f"/credit/repairs/{_credit(w)['own_application']}/files/"
                          f"{_credit(w)['own_file']}"), ENTERPRISE | OFFICERS,
        other_path=lambda w: (f"/credit/repairs/{_credit(w)['other_application']}/files/"
                              f"{_credit(w)['other_file']}")),
    ("credit.public", "GET"): Rule("GET", lambda w: f"/credit/public/{w.enterprise.uscc}",
                                   EVERYONE),
    ("credit.queue", "GET"): Rule("GET", lambda w: "/officer/credit", OFFICERS),
    ("credit.import_file", "GET"): Rule("GET", lambda w: "/officer/credit/import", OFFICER),
    ("credit.import_file", "POST"): Rule(
        "POST", lambda w: "/officer/credit/import", OFFICER,
        data=lambda w: {"mode": "all", "file": _import_csv(w)},
        state=_credit_count("CreditRecord")),
    ("credit.import_progress", "GET"): Rule(
        "GET", _import_progress(True), OFFICER, other_path=_import_progress(False)),
    ("credit.new_record", "GET"): Rule("GET", lambda w: "/officer/credit/records/new",
                                       OFFICER),
    ("credit.new_record", "POST"): Rule(
        "POST", lambda w: "/officer/credit/records/new", OFFICER,
        data=lambda w: {"decision_number": "矩阵手工〔2026〕1号", "uscc": w.enterprise.uscc,
                        "violation": "未公示许可证", "penalty_types": ["fine"],
                        "fine_amount": "100", "decision_date": "2026-01-05",
                        "record_class": "general", "market_category": ""},
        state=_credit_count("CreditRecord")),
    ("credit.template", "GET"): Rule("GET", lambda w: "/officer/credit/import/template.xlsx",
                                     OFFICERS),
    ("credit.review", "GET"): Rule(
        "GET", lambda w: f"/officer/credit/repairs/{_credit(w)['own_application']}", OFFICERS,
        other_path=lambda w: f"/officer/credit/repairs/{_credit(w)['other_application']}"),
    ("credit.decide", "POST"): Rule(
        "POST", lambda w: f"/officer/credit/repairs/{_credit(w)['own_application']}/decide",
        OFFICER, data=lambda w: {"decision": "accept", "reasons": "", "version": "1"},
        other_path=lambda w: (f"/officer/credit/repairs/{_credit(w)['other_application']}"
                              "/decide"),
        state=_application_states),
    ("credit.standing", "GET"): Rule(
        "GET", lambda w: f"/officer/credit/enterprises/{_credit(w) and w.enterprise.id}",
        OFFICERS,
        other_path=lambda w: (f"/officer/credit/enterprises/"
                              f"{_credit(w) and w.other_enterprise.id}")),
    ("credit.standing", "POST"): Rule(
        "POST", lambda w: f"/officer/credit/enterprises/{_credit(w) and w.enterprise.id}",
        OFFICER, data=lambda w: {"risk": "C", "reason": "多次投诉"},
        other_path=lambda w: (f"/officer/credit/enterprises/"
                              f"{_credit(w) and w.other_enterprise.id}"),
        state=_standing_state),
    ("credit.export", "GET"): Rule("GET", lambda w: "/officer/credit/repair-results.csv",
                                   OFFICERS),
    ("exemptions.index", "GET"): Rule("GET", lambda w: "/exemptions/applications", ENTERPRISE),
    ("exemptions.choose", "GET"): Rule(
        "GET", lambda w: f"/exemptions/apply?case={w.case.id}", ENTERPRISE,
        other_path=lambda w: f"/exemptions/apply?case={w.other_case.id}"),
    ("exemptions.new", "GET"): Rule("GET", lambda w: f"/exemptions/apply/{w.entry.key}",
                                    ENTERPRISE),
    ("exemptions.new", "POST"): Rule(
        "POST", lambda w: f"/exemptions/apply/{w.entry.key}", ENTERPRISE,
        data=lambda w: {"facts": "价签缺失", "violation_on": utcnow().date().isoformat(),
                        "harm": "none", "harm_statement": "无", "first_violation": "yes",
                        "exempted_before": "no", "corrected": "on_the_spot",
                        "commitment": "y"},
        other_path=lambda w: f"/exemptions/apply/{w.entry.key}?case={w.other_case.id}",
        state=_applications_state),
    ("exemptions.show", "GET"): Rule(
        "GET", _application_path(), ENTERPRISE,
        other_path=_application_path(own=False)),
    ("exemptions.supplement", "POST"): Rule(
        "POST", _application_path("/supplement"), ENTERPRISE,
        data=lambda w: {"answer": "补正材料", "version": _version_of_own_application(w)},
        other_path=_application_path("/supplement", own=False), state=_applications_state),
    ("exemptions.withdraw", "POST"): Rule(
        "POST", _application_path("/withdraw"), ENTERPRISE,
        data=lambda w: {"version": _version_of_own_application(w)},
        other_path=_application_path("/withdraw", own=False), state=_applications_state),
    ("exemptions.defend", "POST"): Rule(
        "POST", _application_path("/defence"), ENTERPRISE,
        data=lambda w: {"text": "陈述申辩", "version": _version_of_own_application(w)},
        other_path=_application_path("/defence", own=False), state=_applications_state),
    ("exemptions.object", "POST"): Rule(
        "POST", _application_path("/objection"), ENTERPRISE,
        data=lambda w: {"objection": "异议", "version": _version_of_own_application(w)},
        other_path=_application_path("/objection", own=False), state=_applications_state),
    ("exemptions.file", "GET"): Rule(
        "GET", _application_file_path(True), ENTERPRISE,
        other_path=_application_file_path(False)),
    ("review.file", "GET"): Rule(
        "GET", _officer_file_path(True), OFFICERS, other_path=_officer_file_path(False)),

    ("review.queue", "GET"): Rule("GET", lambda w: "/officer/exemptions", OFFICERS),
    ("review.show", "GET"): Rule(
        "GET", _exemption_path("granted"), OFFICERS,
        other_path=_exemption_path("granted", other=True)),
    ("review.verify", "POST"): Rule(
        "POST", _exemption_path("submitted", "/verify"), OFFICER,
        data=_every_condition_confirmed,
        other_path=_exemption_path("submitted", "/verify", other=True),
        state=_exemption_state),
    ("review.supplement", "POST"): Rule(
        "POST", _exemption_path("legal_review", "/supplement"), OFFICER,
        data=lambda w: {"reasons": "请补充", "working_days": "5",
                        **_exemption_version("legal_review")(w)},
        other_path=_exemption_path("submitted", "/supplement", other=True),
        state=_exemption_state),
    ("review.grant", "POST"): Rule(
        "POST", _exemption_path("submitted", "/grant"), OFFICER,
        data=_exemption_version("submitted"),
        other_path=_exemption_path("submitted", "/grant", other=True),
        state=_exemption_state, notes="unverified: the guard refuses, nothing changes"),
    ("review.propose_refusal", "POST"): Rule(
        "POST", _exemption_path("legal_review", "/refusal"), OFFICER,
        data=lambda w: {"facts": "事实", "reasons": "理由", "basis": "依据",
                        **_exemption_version("legal_review")(w)},
        other_path=_exemption_path("submitted", "/refusal", other=True),
        state=_exemption_state),
    ("review.answer_defence", "POST"): Rule(
        "POST", _exemption_path("submitted", "/defence-answer"), OFFICER,
        data=lambda w: {"accepted": "yes", "answer": "采纳",
                        **_exemption_version("submitted")(w)},
        other_path=_exemption_path("submitted", "/defence-answer", other=True),
        state=_exemption_state),
    ("review.finalise_refusal", "POST"): Rule(
        "POST", _exemption_path("submitted", "/refuse"), OFFICER,
        data=_exemption_version("submitted"),
        other_path=_exemption_path("submitted", "/refuse", other=True),
        state=_exemption_state),
    ("review.legal_review", "POST"): Rule(
        "POST", _exemption_path("legal_review", "/legal-review"), frozenset({"legal_reviewer"}),
        data=lambda w: {"result": "return", "comments": "请补充教育记录",
                        **_exemption_version("legal_review")(w)},
        other_path=_exemption_path("legal_review", "/legal-review", other=True),
        state=_exemption_state),
    ("review.answer_objection", "POST"): Rule(
        "POST", _exemption_path("refused", "objection"), OFFICER,
        data=lambda w: {"answer": "答复", **_exemption_version("refused")(w)},
        other_path=_exemption_path("refused", "objection", other=True),
        state=_exemption_state, notes="already answered: refused by the service"),
    ("review.withdraw_decision", "POST"): Rule(
        "POST", _exemption_path("granted", "withdraw"), OFFICER,
        data=lambda w: {"kind": "revoked", "reason": "决定已撤销",
                        "version": _reloaded(_exemptions(w)["granted"].decision).version},
        other_path=_exemption_path("granted", "withdraw", other=True),
        state=_exemption_state),
}

#: Methods every route answers by itself (Flask adds them).
AUTOMATIC_METHODS = frozenset({"HEAD", "OPTIONS"})


def test_every_endpoint_is_declared(app):
    served = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
              for method in (rule.methods or set()) - AUTOMATIC_METHODS}
    undeclared = served - set(ENDPOINTS)
    assert not undeclared, f"declare these in the permission matrix: {sorted(undeclared)}"
    assert not set(ENDPOINTS) - served, "the matrix names routes or methods that do not exist"
    assert all(rule.method == method for (_endpoint, method), rule in ENDPOINTS.items())


def _signed_in_client(client, world: World, role: str):  # type: ignore[no-untyped-def]
    if role != "anonymous":
        client.sign_in(world.user(role).email)
    return client


def _call(client, rule: Rule, world: World, path: str):  # type: ignore[no-untyped-def]
    if rule.method == "GET":
        return client.get(path, buffered=True)
    return client.submit(path, rule.data(world), token_from="/")


def _is_denied(response, role: str,  # type: ignore[no-untyped-def]
               refused_with: frozenset[int] = frozenset({403, 404})) -> bool:
    if role == "anonymous":
        # Sent to sign in and come back; a plain redirect to /sign-in (after a password
        # reset, say) is a success.
        location = response.headers.get("Location", "")
        return response.status_code == 302 and location.startswith("/sign-in?next=")
    return response.status_code in refused_with


def _ids(pairs: list[tuple[str, str]]) -> list[str]:
    return [f"{endpoint}-{method}" for endpoint, method in pairs]


PAIRS = sorted(ENDPOINTS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("pair", PAIRS, ids=_ids(PAIRS))
def test_role_access(client, world, pair, role):
    rule = ENDPOINTS[pair]
    _signed_in_client(client, world, role)
    path = rule.path(world)
    before = rule.state(world) if rule.state else None
    response = _call(client, rule, world, path)
    if role in rule.allowed:
        assert not _is_denied(response, role), (pair, role, response.status_code)
        assert response.status_code < 400, (pair, role, response.status_code)
    else:
        assert _is_denied(response, role, rule.refused_with), (pair, role,
                                                               response.status_code)
        if rule.state:
            assert rule.state(world) == before, (pair, role, "a refused request changed data")


OBJECT_PAIRS = sorted(pair for pair, rule in ENDPOINTS.items() if rule.other_path)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("pair", OBJECT_PAIRS, ids=_ids(OBJECT_PAIRS))
def test_someone_elses_object_is_not_found(client, world, pair, role):
    rule = ENDPOINTS[pair]
    _signed_in_client(client, world, role)
    path = rule.other_path(world)  # type: ignore[misc]
    before = rule.state(world) if rule.state else None
    response = _call(client, rule, world, path)
    if role == "anonymous":
        assert _is_denied(response, role)
    elif role in rule.allowed:
        assert response.status_code == 404, (pair, role, response.status_code)
    else:
        assert response.status_code in (403, 404), (pair, role, response.status_code)
    if rule.state:
        assert rule.state(world) == before, (pair, role, "a refused request changed data")
    memberships = db.session.scalars(select(Membership.status)).all()
    assert memberships and all(status == "active" for status in memberships)
    assert db.session.get(SelfCheck, world.other_draft.id).answers == {"licensed": False}


NAV_LINKS = {
    "/admin/": ADMIN,
    "/admin/audit": ADMIN,
    "/credit": ENTERPRISE,
    "/officer/credit": OFFICERS,
    "/enterprise": ENTERPRISE,
    "/self-checks": ENTERPRISE,
    "/exemptions/applications": ENTERPRISE,
    "/officer/self-checks": OFFICERS,
    "/officer/exemptions": OFFICERS,
}


@pytest.mark.parametrize("role", ROLES)
def test_navigation_shows_only_what_the_role_may_use(client, world, role):
    _signed_in_client(client, world, role)
    page = client.get("/").get_data(as_text=True)
    for link, roles in NAV_LINKS.items():
        assert (f'href="{link}"' in page) == (role in roles), (link, role)
    members_link = f'href="/enterprise/{world.enterprise.id}/members"'
    assert (members_link in page) == (role in {"enterprise_admin", "enterprise_member"})
