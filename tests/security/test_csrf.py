"""Every form needs a valid CSRF token; without one nothing is written."""

from sqlalchemy import func, select

from portal.accounts.models import Enterprise
from portal.extensions import db


def test_missing_token_is_refused_with_a_message(client):
    before = db.session.scalar(select(func.count(Enterprise.id)))
    response = client.post("/register", data={"uscc": "x"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Enterprise.id))) == before


def test_wrong_token_is_refused_in_the_users_language(english_client, world):
    response = english_client.post("/sign-in", data={
        "csrf_token": "forged", "identifier": world.officer.email, "password": "x"})
    assert response.status_code == 400
    assert "Nothing was saved" in response.get_data(as_text=True)


def test_sign_out_needs_a_token(client, world):
    client.sign_in(world.officer.email)
    assert client.post("/sign-out").status_code == 400
    assert client.get("/account").status_code == 200


def test_registration_attempts_are_rate_limited(app, client):
    limit = int(app.config["FORM_RATE_LIMIT"].split()[0])
    token = client.csrf_token("/register")
    codes = [client.post("/register", data={"csrf_token": token, "uscc": "x"}).status_code
             for _ in range(limit + 1)]
    assert codes[:limit] == [200] * limit
    assert codes[limit] == 429
