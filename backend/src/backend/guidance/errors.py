"""Guidance's errors.

Invalid (400)    QuestionEmpty        guidance.question_empty       (nothing but blanks and punctuation)
Invalid (400)    QuestionTooLong      guidance.question_too_long    (over 100 characters)
Invalid (400)    QuestionUnreadable   guidance.question_unreadable  (control characters, U+FFFD: binary)
NotFound (404)   AliasNotFound        guidance.alias_not_found
NotFound (404)   FaqNotFound          guidance.faq_not_found
Conflict (409)   AliasExists          guidance.alias_exists
Conflict (409)   FaqExists            guidance.faq_exists
Conflict (409)   FaqNotDraft          guidance.faq_not_draft        (approve: not that draft any more)
Conflict (409)   FaqRetired           guidance.faq_retired
(429)            MissesKept           guidance.misses_kept          (never answered: the question is
                                                                     answered, just not kept)

The question's errors are 400, not 422: the request is not a question at all (issue 13, "bad input").
"""

from __future__ import annotations

from backend.errors import Conflict, Invalid, NotFound, RateLimited

MAX_QUESTION = 100
# What a question is, said once for the check (``service.checked_question``) and the OpenAPI document
# alike: no control character, surrogate or U+FFFD anywhere, and at least one letter or digit of the
# scripts residents type (ASCII, CJK, full-width). A generator of "valid" questions then asks only
# what the route answers.
_ALNUM = "[0-9A-Za-z\\u3400-\\u4dbf\\u4e00-\\u9fff\\uff10-\\uff19\\uff21-\\uff3a\\uff41-\\uff5a]"
# The document's spelling leaves out the surrogate range (a generator can't read a pattern with lone
# surrogates, and ignores it whole; a URL can't carry one anyway: it is not UTF-8).
_DOCUMENTED_TEXT = "[^\\x00-\\x1f\\x7f-\\x9f\\ufffd]"
QUESTION_PATTERN = f"^{_DOCUMENTED_TEXT}*{_ALNUM}{_DOCUMENTED_TEXT}*$"
UNREADABLE = "[\\x00-\\x1f\\x7f-\\x9f\\ud800-\\udfff\\ufffd]"
MEANINGFUL = _ALNUM


class QuestionEmpty(Invalid):
    """The question holds no letter, digit or Chinese character (or no ``q`` at all): nothing to look for."""

    status = 400
    code = "guidance.question_empty"
    detail = "Ask a question: q is empty"


class QuestionTooLong(Invalid):
    status = 400
    code = "guidance.question_too_long"
    detail = f"A question is at most {MAX_QUESTION} characters; ask it in fewer words"


class QuestionUnreadable(Invalid):
    """The question holds control characters or undecodable bytes (U+FFFD): binary, not text."""

    status = 400
    code = "guidance.question_unreadable"
    detail = "The question is not readable text"


class AliasNotFound(NotFound):
    code = "guidance.alias_not_found"
    detail = "No such alias"


class FaqNotFound(NotFound):
    code = "guidance.faq_not_found"
    detail = "No such FAQ entry"


class AliasExists(Conflict):
    code = "guidance.alias_exists"
    detail = "The item has this alias already"


class FaqExists(Conflict):
    code = "guidance.faq_exists"
    detail = "An FAQ entry has this slug already"


class FaqNotDraft(Conflict):
    """Approving names the revision the approver read; it was approved, edited again or retired since."""

    code = "guidance.faq_not_draft"
    detail = "The entry is not a draft of that revision any more; read it again"


class FaqRetired(Conflict):
    code = "guidance.faq_retired"
    detail = "The FAQ entry is retired and can't change"


class MissesKept(RateLimited):
    """The client address had its share of unanswered questions kept this hour. Never answered to
    a client: the question is still answered, only not kept for staff (``service.KEEP_MISSES``)."""

    code = "guidance.misses_kept"
    detail = "Enough of this address's unanswered questions are kept this hour"
