"""Settings come from PORTAL_* variables; production refuses unsafe ones."""

import pytest

from portal.config import (
    DEVELOPMENT_SECRET_KEY,
    PROJECT_ROOT,
    SETTINGS,
    ConfigError,
    load_config,
    validate,
)

SAFE_PRODUCTION = {
    "PORTAL_ENV": "production",
    "PORTAL_SECRET_KEY": "x" * 48,
    "PORTAL_DATABASE_URL": "postgresql+psycopg://portal@db/portal",
    "PORTAL_MAIL_BACKEND": "smtp",
    "PORTAL_REDIS_URL": "redis://cache:6379/0",
}


def test_every_setting_has_a_default_and_a_comment():
    for setting in SETTINGS:
        assert setting.doc.strip(), setting.name
    assert load_config(environ={})["DATABASE_URL"].startswith("sqlite:///")


def test_environment_variables_override_defaults_with_types():
    config = load_config(environ={"PORTAL_SIGN_IN_MAX_FAILURES": "3",
                                  "PORTAL_MAIL_USE_TLS": "true"})
    assert config["SIGN_IN_MAX_FAILURES"] == 3
    assert config["MAIL_USE_TLS"] is True


def test_a_malformed_number_is_refused_with_the_variable_named():
    with pytest.raises(ConfigError, match="PORTAL_SIGN_IN_MAX_FAILURES"):
        load_config(environ={"PORTAL_SIGN_IN_MAX_FAILURES": "many"})


def test_safe_production_configuration_is_accepted():
    validate(load_config(environ=SAFE_PRODUCTION))


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("PORTAL_SECRET_KEY", DEVELOPMENT_SECRET_KEY, "SECRET_KEY"),
    ("PORTAL_SECRET_KEY", "short", "SECRET_KEY"),
    ("PORTAL_DATABASE_URL", "sqlite:///portal.sqlite3", "PostgreSQL"),
    ("PORTAL_MAIL_BACKEND", "memory", "MAIL_BACKEND"),
    ("PORTAL_MAIL_BACKEND", "console", "MAIL_BACKEND"),
    ("PORTAL_REDIS_URL", "", "REDIS_URL"),
])
def test_production_refuses_unsafe_settings(variable, value, message):
    with pytest.raises(ConfigError, match=message):
        validate(load_config(environ={**SAFE_PRODUCTION, variable: value}))


def test_unknown_environment_is_refused():
    with pytest.raises(ConfigError, match="PORTAL_ENV"):
        validate(load_config(environ={"PORTAL_ENV": "staging"}))


def test_readme_documents_every_setting():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"`PORTAL_{setting.name}`" in readme, setting.name
