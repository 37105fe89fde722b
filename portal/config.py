"""Every setting of the portal, with its default and what it is for.

Each setting can be overridden by an environment variable named ``PORTAL_``
followed by the setting's name (``PORTAL_DATABASE_URL`` …). ``validate()``
refuses configurations that are unsafe for production.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

#: The development secret key; production refuses to start with it.
DEVELOPMENT_SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105


class ConfigError(RuntimeError):
    """Raised when the configuration is unsafe or inconsistent."""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _str(value: str) -> str:
    return value


def _list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


@dataclass(frozen=True)
class Setting:
    """One configuration key, its development default and its meaning."""

    name: str
    default: Any
    doc: str
    cast: Callable[[str], Any] = _str


SETTINGS: tuple[Setting, ...] = (
    Setting("ENV", "development",
            "development, test or production; production turns on every safety check."),
    Setting("SECRET_KEY", DEVELOPMENT_SECRET_KEY,
            "Signs sessions and CSRF tokens. Must be a long random value in production."),
    Setting("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'portal.sqlite3'}",
            "SQLAlchemy URL. SQLite under instance/ by default; PostgreSQL in production "
            "(postgresql+psycopg://user:password@host/db)."),
    Setting("DATABASE_POOL_SIZE", 5, "Connections kept per process (PostgreSQL only).", int),
    Setting("REDIS_URL", "",
            "Optional redis:// URL. When set, sign-in rate limits and kept pages are shared "
            "by all processes through Redis; otherwise they are kept in each process's "
            "memory (and signed-in pages are not kept)."),
    Setting("PAGE_CACHE_SECONDS", 300,
            "How long a rendered public page (guides, lists, entries, the API) is kept on the "
            "server: in Redis when PORTAL_REDIS_URL is set, else in each process's memory. "
            "`flask guides sync` invalidates it at once; 0 turns it off. With Redis, "
            "signed-in pages are kept too, per session, at most 60 s and only until the "
            "next commit (`flask cache clear` after changes made outside the portal).", int),
    Setting("KEEP_SIGNED_IN_PAGES", True,
            "Keep signed-in pages per session in Redis until the next commit (needs "
            "PORTAL_REDIS_URL and PORTAL_PAGE_CACHE_SECONDS > 0); false draws every "
            "signed-in page on every request.", _bool),
    Setting("CONTENT_DIR", str(PROJECT_ROOT / "compliance_guides"),
            "Folder of the compliance content that `flask guides check|sync` read."),
    Setting("CALENDAR_DIR", str(PROJECT_ROOT / "compliance_guides" / "calendar"),
            "Folder of the State Council's yearly holiday notices entered by hand "
            "(<year>.yaml), which take precedence over chinese-calendar in working-day "
            "deadlines; see compliance_guides/calendar/README.md."),
    Setting("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"),
            "Where evidence files are stored. A volume shared by all instances in production."),
    Setting("MAX_UPLOAD_MB", 20, "Largest file accepted as a self-check answer, in megabytes.",
            int),
    Setting("EVIDENCE_MAX_FILE_MB", 20,
            "Largest evidence file (photo, PDF, Word or Excel file of a rectification) "
            "accepted, in megabytes; also the limit of `flask files check`.", int),
    Setting("EVIDENCE_MAX_CASE_MB", 200,
            "Most evidence one rectification case may hold, all its files together, in "
            "megabytes.", int),
    Setting("MAX_REQUEST_MB", 110,
            "Largest request accepted, in megabytes (a form carrying several files); a larger "
            "one gets the \"too large\" page. Give the reverse proxy the same limit "
            "(nginx client_max_body_size).", int),
    Setting("STORAGE_BACKEND", "local",
            "Where uploaded files are kept: local (the UPLOAD_DIR folder) or s3 (an "
            "S3-compatible bucket, see the S3_* settings)."),
    Setting("STORAGE_SWEEP_GRACE_HOURS", 24,
            "`flask storage sweep` removes unreferenced files only when older than this.", int),
    Setting("S3_BUCKET", "", "Bucket of uploaded files when STORAGE_BACKEND is s3 (required)."),
    Setting("S3_ENDPOINT_URL", "",
            "Address of an S3-compatible server (MinIO, Ceph …); empty for AWS S3 itself."),
    Setting("S3_REGION", "us-east-1", "Region of the bucket."),
    Setting("S3_PREFIX", "uploads/",
            "Prefix of every object key, so that the bucket can hold other things too."),
    Setting("S3_ACCESS_KEY_ID", "",
            "Access key; empty to let boto3 find credentials (environment, instance role)."),
    Setting("S3_SECRET_ACCESS_KEY", "", "Secret key belonging to S3_ACCESS_KEY_ID."),
    Setting("MAIL_BACKEND", "console",
            "console (log the message), smtp, or memory (keep in a list; for tests)."),
    Setting("MAIL_SERVER", "localhost", "SMTP host when MAIL_BACKEND is smtp."),
    Setting("MAIL_PORT", 25, "SMTP port.", int),
    Setting("MAIL_USERNAME", "", "SMTP user name; empty for none."),
    Setting("MAIL_PASSWORD", "", "SMTP password."),
    Setting("MAIL_USE_TLS", False, "Use STARTTLS with the SMTP server.", _bool),
    Setting("MAIL_SENDER", "南沙合规自助服务平台 <no-reply@localhost>",
            "From address of every message the portal sends."),
    Setting("OUTBOX_MAX_ATTEMPTS", 10,
            "Attempts to send one queued email (retried after 1, 2, 4 … minutes, at most "
            "an hour apart) before it is marked failed and an error is logged.", int),
    Setting("OUTBOX_POLL_SECONDS", 30,
            "How long `flask outbox run --watch` sleeps when nothing is due.", int),
    Setting("OUTBOX_BATCH_SIZE", 100,
            "Most messages `flask outbox run` sends in one pass.", int),
    Setting("BASE_URL", "http://127.0.0.1:5000",
            "Public address of the portal, used in links inside emails."),
    Setting("SESSION_HOURS", 8, "A session ends after this many hours without a request.",
            int),
    Setting("SESSION_ABSOLUTE_HOURS", 12,
            "A session ends this many hours after sign-in, however active it is.", int),
    Setting("SIGN_IN_MAX_FAILURES", 5,
            "Failed sign-ins for one identifier from one address that pause sign-in for "
            "that identifier from that address.", int),
    Setting("SIGN_IN_LOCK_MINUTES", 15, "How long such a pause lasts.", int),
    Setting("SIGN_IN_ACCOUNT_MAX_FAILURES", 20,
            "Failed sign-ins from any address that lock the account itself until its "
            "owner follows the unlock link sent by email.", int),
    Setting("UNLOCK_LINK_HOURS", 24,
            "How long an unlock link stays valid (and the account locked without it).", int),
    Setting("PASSWORD_RESET_MINUTES", 60, "How long a password-reset link stays valid.", int),
    Setting("REGISTRATION_LINK_HOURS", 24,
            "How long the link that confirms a registration's email stays valid.", int),
    Setting("SIGN_IN_RATE_LIMIT", "10 per minute; 100 per hour",
            "Sign-in attempts allowed from one address (Flask-Limiter syntax)."),
    Setting("FORM_RATE_LIMIT", "20 per hour",
            "Registrations, password changes and invitation acceptances allowed from one "
            "address (Flask-Limiter syntax)."),
    Setting("INVITATION_DAYS", 7, "Days an invitation link stays valid.", int),
    Setting("PASSWORD_MIN_LENGTH", 10, "Shortest password accepted.", int),
    Setting("ARGON2_TIME_COST", 3, "Argon2id iterations (argon2-cffi default).", int),
    Setting("ARGON2_MEMORY_COST", 65536, "Argon2id memory in KiB (argon2-cffi default).", int),
    Setting("TIMEZONE", "Asia/Shanghai", "Time zone in which dates are shown."),
    Setting("CASE_REVIEW_WORKING_DAYS", 5,
            "Working days an officer has to review a rectification report (the review clock "
            "stops while a supplement is awaited).", int),
    Setting("EXEMPTION_REVIEW_WORKING_DAYS", 10,
            "Working days an officer has to decide an exemption application (the clock stops "
            "while a supplement is awaited).", int),
    Setting("EXEMPTION_DEFENCE_WORKING_DAYS", 5,
            "Working days an enterprise has to state its case and defend (陈述、申辩) after a "
            "refusal is proposed (Administrative Penalty Law Arts. 44, 45).", int),
    Setting("EXEMPTION_LEGAL_REVIEW_GROUNDS", ["art33_1_first_violation"],
            "Comma-separated legal grounds whose decisions always go to legal review "
            "(法制审核, Art. 58): by default the discretionary first-violation ground.",
            _list),
    Setting("EXEMPTION_LEGAL_REVIEW_ENTRIES", [],
            "Comma-separated exemption entry keys whose decisions always go to legal review.",
            _list),
    Setting("EXEMPTION_LEGAL_REVIEW_DEPARTMENTS", [],
            "Comma-separated department codes all of whose exemption decisions go to legal "
            "review.", _list),
    Setting("EXEMPTION_LEGAL_REVIEW_FINE_YUAN", 10000,
            "A mitigated or lenient penalty of at least this fine (yuan) goes to legal "
            "review.", int),
    Setting("DISCLOSURE_DELAY_WORKING_DAYS", 7,
            "Working days after issue at which a granted decision is published at /decisions "
            "(at most 7: practice of 行政执法公示).", int),
    Setting("CREDIT_MINOR_MIN_MONTHS", 0,
            "Months from the decision date before repair of a minor credit record may be "
            "applied for (DOMAIN.md §4: none given; 0).", int),
    Setting("CREDIT_MINOR_MAX_MONTHS", 3,
            "Months a minor credit record is published at most; publication then ends "
            "automatically.", int),
    Setting("CREDIT_MINOR_PUBLISHED", True,
            "Whether minor credit records are published at all (they may be kept back).",
            _bool),
    Setting("CREDIT_GENERAL_MIN_MONTHS", 3,
            "Months from the decision date before repair of a general record may be applied "
            "for.", int),
    Setting("CREDIT_GENERAL_MAX_MONTHS", 12, "Months a general record is published at most.",
            int),
    Setting("CREDIT_SERIOUS_MIN_MONTHS", 12,
            "Months from the decision date before repair of a serious record may be applied "
            "for.", int),
    Setting("CREDIT_SERIOUS_MAX_MONTHS", 36, "Months a serious record is published at most.",
            int),
    Setting("CREDIT_MARKET_WARNING_PUBLISHED", False,
            "Whether market-regulation warnings are published (国市监信规〔2021〕3号: not).",
            _bool),
    Setting("CREDIT_MARKET_LOW_MONTHS", 3,
            "Months a market-regulation notice of criticism or low fine is published.", int),
    Setting("CREDIT_MARKET_LOW_MIN_MONTHS", 0,
            "Months before repair of a market-regulation criticism or low fine may be applied "
            "for (none given; 0).", int),
    Setting("CREDIT_MARKET_OTHER_MONTHS", 36,
            "Months any other market-regulation penalty is published.", int),
    Setting("CREDIT_MARKET_OTHER_MIN_MONTHS", 6,
            "Months before repair of another market-regulation penalty may be applied for.",
            int),
    Setting("CREDIT_MARKET_SPECIAL_MIN_MONTHS", 12,
            "The same for food, drugs and special equipment (食品、药品、特种设备).", int),
    Setting("CREDIT_NO_EARLY_REPAIR_TYPES",
            "suspension,restrict_production,restrict_practice,qualification_lowered,"
            "licence_revoked,business_licence_revoked",
            "Penalty types whose records are never repaired early (comma-separated codes).",
            lambda raw: ",".join(part.strip() for part in raw.split(",") if part.strip())),
    Setting("CREDIT_REFUSE_REPAIR_WITHIN_MONTHS", 12,
            "Local refusal ground: a repair approved for the enterprise within this many "
            "months (0 turns the ground off).", int),
    Setting("CREDIT_REFUSE_REPAIRS_COUNT", 2,
            "Local refusal ground: this many repairs approved within "
            "CREDIT_REFUSE_REPAIRS_YEARS (0 turns the ground off).", int),
    Setting("CREDIT_REFUSE_REPAIRS_YEARS", 5, "The years counted by CREDIT_REFUSE_REPAIRS_COUNT.",
            int),
    Setting("CREDIT_REVIEW_WORKING_DAYS", 10,
            "Working days the department has to decide on a complete repair application (the "
            "clock stops while a supplement is awaited).", int),
    Setting("CREDIT_RESULT_SHARE_WORKING_DAYS", 3,
            "Working days to share a repair result with the credit platforms.", int),
    Setting("PROXY_COUNT", 0,
            "Number of trusted reverse proxies in front of the app (X-Forwarded-* headers).",
            int),
    Setting("LOG_LEVEL", "INFO", "Logging level of the portal's loggers."),
    Setting("DEMO_PASSWORD", "Nansha-Demo-2026",
            "Password of every demo account created by `flask demo load`."),
)

SUPPORTED_ENVS = {"development", "test", "production"}


def load_config(overrides: Mapping[str, Any] | None = None,
                environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the configuration from defaults, ``PORTAL_*`` variables and overrides."""
    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(f"PORTAL_{setting.name}")
        if raw is None:
            config[setting.name] = setting.default
        else:
            try:
                config[setting.name] = setting.cast(raw)
            except ValueError as error:
                raise ConfigError(f"PORTAL_{setting.name}: {error}") from error
    if overrides:
        config.update(overrides)
    return config


def validate(config: Mapping[str, Any]) -> None:
    """Refuse to run with an unsafe configuration.

    :raises ConfigError: the configuration cannot be used.
    """
    env = config["ENV"]
    if env not in SUPPORTED_ENVS:
        raise ConfigError(f"PORTAL_ENV must be one of {sorted(SUPPORTED_ENVS)}, not {env!r}")
    if config["MAIL_BACKEND"] not in {"console", "smtp", "memory"}:
        raise ConfigError("PORTAL_MAIL_BACKEND must be console, smtp or memory")
    if config["STORAGE_BACKEND"] not in {"local", "s3"}:
        raise ConfigError("PORTAL_STORAGE_BACKEND must be local or s3")
    if config["STORAGE_BACKEND"] == "s3" and not config["S3_BUCKET"]:
        raise ConfigError("PORTAL_S3_BUCKET must be set when PORTAL_STORAGE_BACKEND is s3")
    for name in ("OUTBOX_MAX_ATTEMPTS", "OUTBOX_POLL_SECONDS", "OUTBOX_BATCH_SIZE"):
        if config[name] < 1:
            raise ConfigError(f"PORTAL_{name} must be at least 1")
    if config["STORAGE_SWEEP_GRACE_HOURS"] < 1:
        raise ConfigError("PORTAL_STORAGE_SWEEP_GRACE_HOURS must be at least 1")
    _validate_upload_limits(config)
    if not 0 <= config["DISCLOSURE_DELAY_WORKING_DAYS"] <= 7:
        raise ConfigError("PORTAL_DISCLOSURE_DELAY_WORKING_DAYS must be between 0 and 7")
    for name in ("EXEMPTION_REVIEW_WORKING_DAYS", "EXEMPTION_DEFENCE_WORKING_DAYS"):
        if not 1 <= config[name] <= 90:
            raise ConfigError(f"PORTAL_{name} must be between 1 and 90")
    if env != "production":
        return
    problems = production_problems(config)
    if problems:
        raise ConfigError("Refusing to start in production: " + "; ".join(problems))


def _validate_upload_limits(config: Mapping[str, Any]) -> None:
    """Refuse limits that cannot all hold: a file must fit in a request and in a case."""
    for name in ("MAX_UPLOAD_MB", "EVIDENCE_MAX_FILE_MB", "EVIDENCE_MAX_CASE_MB",
                 "MAX_REQUEST_MB"):
        if config[name] < 1:
            raise ConfigError(f"PORTAL_{name} must be at least 1")
    for name in ("MAX_UPLOAD_MB", "EVIDENCE_MAX_FILE_MB"):
        if config[name] > config["MAX_REQUEST_MB"]:
            raise ConfigError(f"PORTAL_{name} must not exceed PORTAL_MAX_REQUEST_MB")
    if config["EVIDENCE_MAX_FILE_MB"] > config["EVIDENCE_MAX_CASE_MB"]:
        raise ConfigError("PORTAL_EVIDENCE_MAX_FILE_MB must not exceed "
                          "PORTAL_EVIDENCE_MAX_CASE_MB")


def production_problems(config: Mapping[str, Any]) -> list[str]:
    """Return what in ``config`` is unsafe for production (empty when all is well)."""
    problems = []
    if config["SECRET_KEY"] == DEVELOPMENT_SECRET_KEY or len(config["SECRET_KEY"]) < 32:
        problems.append("PORTAL_SECRET_KEY must be set to a random value of 32+ characters")
    if str(config["DATABASE_URL"]).startswith("sqlite"):
        problems.append("PORTAL_DATABASE_URL must point at PostgreSQL, not SQLite")
    if config["MAIL_BACKEND"] != "smtp":
        problems.append(f"PORTAL_MAIL_BACKEND={config['MAIL_BACKEND']} does not deliver mail "
                        "(console writes invitation and reset links into the log); use smtp")
    if not config["REDIS_URL"]:
        problems.append("PORTAL_REDIS_URL must be set so that rate limits hold across instances")
    return problems


def describe_settings() -> str:
    """Return a Markdown table of every setting, for the README."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for setting in SETTINGS:
        default = str(setting.default).replace(str(PROJECT_ROOT), ".")
        lines.append(f"| `PORTAL_{setting.name}` | `{default}` | {setting.doc} |")
    return "\n".join(lines)
