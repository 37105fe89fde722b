"""Traditional Chinese content uses Hong Kong vocabulary: OpenCC s2hk, then a reviewed phrase
list (compliance_guides/zh_hant_phrases.yaml) (issue 9, §3)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from portal.core.text import PHRASES_FILE, apply_phrases, load_phrases, s2hk, to_zh_hant
from portal.guides.content import check_content, load_content
from tests.unit.guides.conftest import REAL_CONTENT

Builder = Callable[..., Path]


def test_the_named_example_is_hong_kong_traditional() -> None:
    assert s2hk("化学制品制造业") == "化學制品製造業"  # what OpenCC alone gives
    assert to_zh_hant("化学制品制造业") == "化學製品製造業"


def test_content_vocabulary_matches_the_interface() -> None:
    assert to_zh_hant("营业执照信息") == "營業執照資料"
    assert to_zh_hant("软件和信息技术服务业") == "軟件和資訊科技服務業"
    assert to_zh_hant("视频") == "影片"
    assert to_zh_hant("用户帐户") == "用戶帳戶"


def test_phrases_apply_longest_first_and_in_one_pass() -> None:
    phrases = {"信息": "資料", "信息技術": "資訊科技", "資料": "never"}
    assert apply_phrases("信息技術與信息", phrases) == "資訊科技與資料"


def test_the_real_phrase_list_is_reviewed_data_in_the_content_folder() -> None:
    assert PHRASES_FILE.parent == REAL_CONTENT
    assert load_phrases(PHRASES_FILE)["制品"] == "製品"


def test_guide_bodies_are_converted_with_the_phrase_list() -> None:
    guide = load_content(REAL_CONTENT).guides["chemicals"]
    assert "化学制品" in guide.body["zh_Hans"]
    assert "化學製品" in guide.body["zh_Hant"]
    assert "化學制品" not in guide.body["zh_Hant"]


def test_guides_check_refuses_a_simplified_or_useless_phrase(tree: Builder) -> None:
    root = tree({"zh_hant_phrases.yaml": "phrases:\n  信息: 資料\n  视频: 影片\n  數據: 數據\n"})
    errors = [e for e in check_content(root) if e.file.endswith("zh_hant_phrases.yaml")]
    assert {(e.line, e.path) for e in errors} == {(3, "phrases.视频"), (4, "phrases.數據")}
    assert any("Simplified characters (视频)" in e.message for e in errors)
    assert any("changes nothing" in e.message for e in errors)
