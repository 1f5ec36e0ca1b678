"""Guidance's quality gate on the labelled set (no database: the seed catalogue, aliases and FAQ entries
the embedded default serves), the folding it rests on, and the masking of kept questions."""

from __future__ import annotations

import pytest

from backend.guidance.errors import QuestionEmpty, QuestionTooLong, QuestionUnreadable
from backend.guidance.policy import Policy, decide
from backend.guidance.redaction import mask_question
from backend.guidance.service import checked_question
from backend.guidance.text import fold, tokens
from tests.backend.guidance.evaluate import TARGET_HIT1, TARGET_HIT3, evaluate, seed_index
from tests.backend.guidance.labelled import LABELLED


def test_the_labelled_set_is_large_and_holds_questions_nothing_covers() -> None:
    assert len(LABELLED) >= 150
    assert len({q for q, _ in LABELLED}) == len(LABELLED)
    assert sum(1 for _, key in LABELLED if key is None) >= 20


def test_the_labelled_set_meets_the_hit_targets() -> None:
    report = evaluate()
    assert report.hit_at_1 >= TARGET_HIT1, report.misses
    assert report.hit_at_3 >= TARGET_HIT3, report.misses


def test_questions_nothing_covers_get_no_answer_and_covered_ones_no_wrong_answer() -> None:
    report = evaluate()
    assert report.withheld == report.uncovered, report.misses
    # An answer (not choices) is right: the policy would rather ask than send a resident astray.
    assert report.answered_wrong == 0, report.misses
    assert report.answered_right >= 0.6 * report.covered


def test_traditional_characters_and_taiwan_terms_fold_to_the_catalogue_words() -> None:
    assert fold("身分證遺失") == fold("身份证丢失")
    assert fold("駕照過期") == fold("驾驶证到期")
    assert fold("ＡＢＣ１２３") == "abc123"


def test_a_homophone_typo_shares_the_pinyin_of_the_word_meant() -> None:
    typed, meant = tokens(fold("公鸡金")), tokens(fold("公积金"))
    assert "公积" not in typed
    assert any(t.startswith("~") and t in meant for t in typed)


def test_an_answer_needs_a_clear_lead_else_it_offers_choices() -> None:
    index = seed_index()
    decided = decide(index.rank("身份证丢了怎么补办"), Policy())
    assert (decided.mode, decided.hits[0].entry.key) == ("answer", "SQ-GA-0004")
    assert decided.clarifying_question is None
    vague = decide(index.rank("公积金"), Policy())
    assert vague.mode == "choices"
    assert {h.entry.key for h in vague.hits[:2]} == {"SQ-GJJ-0001", "SQ-GJJ-0002"}
    assert vague.clarifying_question
    assert "住房公积金提取" in vague.clarifying_question


def test_an_items_own_faq_answer_comes_with_it_when_that_is_what_was_asked() -> None:
    hit = seed_index().rank("居住证有效期多久")[0]
    assert hit.entry.key == "SQ-GA-0001"
    assert hit.faq is not None
    assert "签注" in hit.faq[1]


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (None, QuestionEmpty),
        ("", QuestionEmpty),
        ("   ", QuestionEmpty),
        ("？？！。", QuestionEmpty),
        ("身" * 101, QuestionTooLong),
        ("abc\x00def", QuestionUnreadable),
        ("\ufffd\ufffd", QuestionUnreadable),
        ("\x1b[31m身份证", QuestionUnreadable),
        ("身份证\n丢了", QuestionUnreadable),
        ("Ωμέγα ×÷", QuestionEmpty),
    ],
)
def test_a_question_that_is_not_one_is_refused(raw: str | None, error: type[Exception]) -> None:
    with pytest.raises(error):
        checked_question(raw)


def test_kept_questions_lose_id_numbers_phones_long_digit_runs_and_names() -> None:
    masked = mask_question("我叫王小明，身份证321302199001011234丢了，电话13812345678，卡号6222021234567890")
    assert "321302199001011234" not in masked
    assert "3213**********1234" in masked
    assert "13812345678" not in masked
    assert "138****5678" in masked
    assert "6222021234567890" not in masked
    assert "王小明" not in masked
    assert "我叫王**" in masked
    assert mask_question("姓名：欧阳娜娜 想问低保") == "姓名：欧*** 想问低保"
    assert mask_question("彩票中奖去哪领") == "彩票中奖去哪领"
