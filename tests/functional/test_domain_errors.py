"""A service's refusal becomes one error page, in the user's language (issue 7).

Routes no longer catch domain errors only to flash them: ``portal/errors.py``
renders any ``DomainError`` with its status, its message, a reference number,
and rolls back whatever the request had changed.
"""

from __future__ import annotations

import re

import pytest
from flask_babel import lazy_gettext as _l

from portal.accounts import services as account_services
from portal.accounts.models import User
from portal.accounts.services import AccountError
from portal.core.errors import DomainError
from portal.extensions import db
from tests.conftest import reload

REFERENCE = re.compile(r'<code class="reference">([0-9a-f-]+)</code>')


def _toggle(client, user_id: int):
    return client.submit(f"/admin/users/{user_id}/active", {}, token_from="/admin/users")


def _refuse_after_a_change(monkeypatch):
    """Make the service change the user, flush, and then refuse."""

    def half_done(session, user, *, active, actor, now):
        user.display_name = "改了一半"
        user.is_active = active
        session.flush()
        raise AccountError(_l("You cannot disable your own account."))

    monkeypatch.setattr("portal.admin.routes.set_user_active", half_done)


@pytest.mark.parametrize(("client_fixture", "title", "message"), [
    ("client", "无法完成此操作", "不能停用您自己的账号。"),
    ("english_client", "This could not be done", "You cannot disable your own account."),
])
def test_a_refusal_is_a_page_in_the_users_language_with_a_reference(
        request, world, monkeypatch, client_fixture, title, message):
    client = request.getfixturevalue(client_fixture)
    client.sign_in(world.admin.email)
    _refuse_after_a_change(monkeypatch)
    name, active = world.officer.display_name, world.officer.is_active
    response = _toggle(client, world.officer.id)
    page = response.get_data(as_text=True)
    assert response.status_code == AccountError.status_code == 409
    assert f"<h1 class=\"heading-l\">{title}</h1>" in page
    assert message in page
    reference = REFERENCE.search(page)
    assert reference and reference.group(1) == response.headers["X-Request-ID"]
    # Rolled back: the half-made change is not in the database.
    officer = reload(world.officer)
    assert (officer.display_name, officer.is_active) == (name, active)


def test_the_real_service_refusal_reaches_the_page(english_client, world):
    english_client.sign_in(world.admin.email)
    response = _toggle(english_client, world.admin.id)
    assert response.status_code == 409
    assert "You cannot disable your own account." in response.get_data(as_text=True)
    assert db.session.get(User, world.admin.id, populate_existing=True).is_active


def test_a_form_refusal_stays_beside_its_field(english_client, world):
    """Routes that show the message beside a field keep the form (STYLE rule 16)."""
    english_client.sign_in(world.admin.email)
    response = english_client.submit("/admin/departments", {
        "code": world.department.code, "name_zh_hans": "重复部门", "name_en": "Duplicate",
        "short_name": "重复"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "A department with this code already exists." in page
    assert 'name="code"' in page  # the form is shown again, not an error page


def test_every_domain_error_class_has_a_user_message_and_a_status():
    from portal.core import numbering, workflow
    from portal.selfcheck import services as selfcheck_services

    errors = [account_services.AccountError("x"), account_services.SignInFailed("x"),
              selfcheck_services.NoQuestionnaire(), selfcheck_services.TamperedPost(),
              selfcheck_services.Incomplete(("q",)), selfcheck_services.AlreadySubmitted(),
              workflow.InvalidTransition(), workflow.TransitionForbidden(),
              workflow.StaleObject(), workflow.ConcurrentUpdate(),
              numbering.ShortNameNotConfirmed()]
    for error in errors:
        assert isinstance(error, DomainError)
        assert 400 <= error.status_code < 500
        assert str(error.message)
    assert selfcheck_services.Incomplete(("q",)).missing == ("q",)
