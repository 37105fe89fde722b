"""Document numbers (DOMAIN.md §6): format, one gap-free sequence per authority, type and
year, refusal without a confirmed short name, and distinct consecutive numbers under
concurrent transactions."""

from __future__ import annotations

import threading
import uuid

import pytest
from flask_babel import force_locale
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.core.db import make_engine
from portal.core.numbering import (
    DocumentCounter,
    DocumentType,
    ShortNameNotConfirmed,
    confirmed_authority,
    format_document_number,
    next_department_document_number,
    next_document_number,
)
from tests.factories import DepartmentFactory

AUTHORITY = "穗南市监"


def test_the_number_is_written_as_gb_t_9704_says():
    assert format_document_number(AUTHORITY, DocumentType.NO_PENALTY, 2026, 12) \
        == "穗南市监不罚〔2026〕12号"


def test_numbers_start_at_one_and_follow_each_other(db_session):
    taken = [next_document_number(db_session, authority=AUTHORITY, doc_type="不罚", year=2026)
             for _ in range(3)]
    assert taken == [(1, "穗南市监不罚〔2026〕1号"), (2, "穗南市监不罚〔2026〕2号"),
                     (3, "穗南市监不罚〔2026〕3号")]


def test_each_authority_type_and_year_has_its_own_sequence(db_session):
    def take(authority, doc_type, year):
        return next_document_number(db_session, authority=authority, doc_type=doc_type,
                                    year=year)[1]

    assert take(AUTHORITY, DocumentType.NO_PENALTY, 2026) == "穗南市监不罚〔2026〕1号"
    assert take(AUTHORITY, DocumentType.NO_PENALTY, 2026) == "穗南市监不罚〔2026〕2号"
    assert take(AUTHORITY, DocumentType.MITIGATED, 2026) == "穗南市监减罚〔2026〕1号"
    assert take(AUTHORITY, DocumentType.NO_PENALTY, 2027) == "穗南市监不罚〔2027〕1号"
    assert take("穗南综执", DocumentType.NO_PENALTY, 2026) == "穗南综执不罚〔2026〕1号"
    assert take(AUTHORITY, DocumentType.NO_PENALTY, 2026) == "穗南市监不罚〔2026〕3号"


def test_a_rolled_back_grant_gives_its_number_back(db_session):
    next_document_number(db_session, authority=AUTHORITY, doc_type="不罚", year=2026)
    grant = db_session.begin_nested()
    assert next_document_number(db_session, authority=AUTHORITY, doc_type="不罚",
                                year=2026)[0] == 2
    grant.rollback()
    assert next_document_number(db_session, authority=AUTHORITY, doc_type="不罚",
                                year=2026) == (2, "穗南市监不罚〔2026〕2号")


def test_a_first_number_rolled_back_leaves_the_sequence_at_one(db_session):
    grant = db_session.begin_nested()
    next_document_number(db_session, authority=AUTHORITY, doc_type="从轻", year=2026)
    grant.rollback()
    assert next_document_number(db_session, authority=AUTHORITY, doc_type="从轻",
                                year=2026)[0] == 1


@pytest.mark.parametrize(("authority", "doc_type", "year"), [
    ("", "不罚", 2026), ("穗南 市监", "不罚", 2026), ("ABC", "不罚", 2026),
    ("穗南市监1", "不罚", 2026), (AUTHORITY, "罚款", 2026), (AUTHORITY, "不罚", 1999),
    (AUTHORITY, "不罚", 3000),
])
def test_what_cannot_be_in_a_number_is_refused_and_nothing_is_counted(
        db_session, authority, doc_type, year):
    with pytest.raises(ValueError):
        next_document_number(db_session, authority=authority, doc_type=doc_type, year=year)
    assert db_session.scalars(select(DocumentCounter)).all() == []


def test_every_document_type_says_what_it_is(app):
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        assert str(DocumentType.NO_PENALTY.label) == "不予行政处罚决定书"
    with app.test_request_context(), force_locale("en"):
        labels = {str(doc_type.label) for doc_type in DocumentType}
    assert len(labels) == len(DocumentType)


def test_a_department_with_a_confirmed_short_name_numbers_under_it(db_session):
    department = DepartmentFactory(short_name=AUTHORITY, confirmed=True)
    assert next_department_document_number(db_session, department, doc_type="不罚",
                                           year=2026) == (1, "穗南市监不罚〔2026〕1号")


@pytest.mark.parametrize("short_name", ["穗南综执", ""])
def test_a_department_without_a_confirmed_short_name_is_refused(app, db_session, short_name):
    department = DepartmentFactory(short_name=short_name)
    with pytest.raises(ShortNameNotConfirmed) as refused:
        next_department_document_number(db_session, department, doc_type="不罚", year=2026)
    assert db_session.scalars(select(DocumentCounter)).all() == []
    with app.test_request_context(), force_locale("en"):
        assert str(refused.value.message) == (
            "This department's document short name has not been confirmed by an "
            "administrator; numbered decisions cannot be issued yet.")
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        assert "管理员" in str(refused.value.message)
        assert "文号" in str(refused.value.message)
    with app.test_request_context(), force_locale("zh_Hant"):
        assert "管理員" in str(refused.value.message)


def test_a_confirmed_flag_without_a_usable_short_name_is_still_refused(db_session):
    department = DepartmentFactory(short_name="", confirmed=True)
    with pytest.raises(ShortNameNotConfirmed):
        confirmed_authority(department)


# --- Concurrent transactions, each on its own connection ----------------------------------

def _fresh_authority() -> str:
    """Return a short name no other test or run uses (the rows here are committed)."""
    digits = uuid.uuid4().int
    return "穗并" + "".join("甲乙丙丁戊己庚辛壬癸"[(digits >> (4 * i)) % 10] for i in range(12))


@pytest.mark.parametrize("rolled_back_every", [0, 4])
def test_concurrent_grants_get_distinct_consecutive_numbers(database_url, rolled_back_every):
    """N threads, each granting in its own transaction; some grants are rolled back.

    On PostgreSQL the counter's row lock serialises them; on SQLite (fewer threads, as
    its busy timeout bounds the wait) the database's write lock does.
    """
    threads_count = 40 if database_url.startswith("postgresql") else 16
    authority = _fresh_authority()
    engine = make_engine(database_url, pool_size=threads_count)
    start = threading.Barrier(threads_count)
    committed: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def grant(index: int) -> None:
        try:
            with Session(engine) as session:
                start.wait()
                number, _text = next_document_number(
                    session, authority=authority, doc_type=DocumentType.NO_PENALTY, year=2026)
                if rolled_back_every and index % rolled_back_every == 0:
                    session.rollback()
                    return
                session.commit()
                with lock:
                    committed.append(number)
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    workers = [threading.Thread(target=grant, args=(i,)) for i in range(threads_count)]
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert errors == []
        expected = threads_count - (len(range(0, threads_count, rolled_back_every))
                                    if rolled_back_every else 0)
        assert sorted(committed) == list(range(1, expected + 1))
        with Session(engine) as session:
            assert session.scalar(select(DocumentCounter.last_number).where(
                DocumentCounter.authority == authority)) == expected
    finally:
        with Session(engine) as session, session.begin():
            session.execute(delete(DocumentCounter).where(DocumentCounter.authority == authority))
        engine.dispose()
