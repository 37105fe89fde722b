"""The engine's typed questionnaire of a stored version, rebuilt once per version."""

from __future__ import annotations

from portal.guides.content.model import Questionnaire
from portal.guides.content.stored import questionnaire_from_stored
from portal.guides.models import QuestionnaireVersion
from portal.selfcheck.services import typed_questionnaire
from tests.factories import TEST_QUESTIONNAIRE, make_questionnaire


def test_a_stored_version_is_read_back_once_as_the_typed_questionnaire():
    version = make_questionnaire()
    typed = typed_questionnaire(version)
    assert isinstance(typed, Questionnaire)
    assert typed == questionnaire_from_stored(version.definition)
    assert typed.questions[0].findings[0].obligation == "t-01"
    assert typed_questionnaire(version) is typed  # cached, not parsed again


def test_versions_never_share_a_cached_questionnaire():
    first = make_questionnaire()
    other = make_questionnaire("elsewhere")
    assert typed_questionnaire(other).industry == "elsewhere"
    assert typed_questionnaire(first).industry == "testing"
    # Same id, other content (an id reused after a rollback): its own questionnaire.
    changed = {**TEST_QUESTIONNAIRE, "title": {"zh_Hans": "另一份问卷"}}
    reused = QuestionnaireVersion(id=first.id, industry="testing", version_no=1,
                                  digest="f" * 64, content_version=1, definition=changed)
    assert typed_questionnaire(reused).title == {"zh_Hans": "另一份问卷"}
    assert typed_questionnaire(first).title == TEST_QUESTIONNAIRE["title"]


def test_versions_not_yet_flushed_are_not_cached():
    # Without an id nothing tells two new versions apart: each is read from its own JSON.
    def unflushed(title):
        return QuestionnaireVersion(industry="testing", version_no=2, digest="e" * 64,
                                    content_version=1,
                                    definition={**TEST_QUESTIONNAIRE, "title": title})

    assert typed_questionnaire(unflushed({"zh_Hans": "甲"})).title == {"zh_Hans": "甲"}
    assert typed_questionnaire(unflushed({"zh_Hans": "乙"})).title == {"zh_Hans": "乙"}
