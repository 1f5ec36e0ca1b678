"""The content check on what a citizen writes to 12345, before anything is saved or sent.

Local, not WeChat's ``msgSecCheck``: v2 needs the ``openid`` of a mini-program user who opened the
mini program within the last two hours, and a ticket may come from the app, an Alipay user or a
citizen who never linked WeChat — a check that exists for some filers and not others is no check.
(The WeChat adapter's ``check_text`` stays for mini-program UGC.) The platform screens again on its
side (``content_refused``), so this catches what a person can be told to fix at once:

- ``invisible_characters``: control, bidi or zero-width characters (text spoofing, hidden payloads);
- ``abuse``: insults (a complaint names what went wrong, not what the clerk is);
- ``advertising``: links, "加微信", invoices for sale — the spam a public form attracts;
- ``personal_data``: an 18-character ID number or a bank card number in the text (the platform's
  handlers would read it; the filer's own identity goes with the ticket already);
- ``repetition``: one character repeated 20 times or more (keyboard mashing, flooding).

A complaint *about* something illegal ("有人在卖毒品") is not refused: reporting it is the point.
"""

from __future__ import annotations

import re
import unicodedata

from backend.hotline.errors import ContentRejected

# Words that insult the reader; kept short and unambiguous so complaints are not caught by accident.
_ABUSE = ("傻逼", "傻b", "sb玩意", "操你", "草你妈", "他妈的", "狗日", "去死吧", "脑残", "贱人")
_ADVERTISING = re.compile(
    r"(https?://|www\.|加微信|加v信|加qq|代开发票|刷单|兼职日结|网赚|博彩|贷款秒批)", re.IGNORECASE
)
_ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")
_BANK_CARD = re.compile(r"(?<![0-9])62[0-9]{14,17}(?![0-9])")
_REPEATED = re.compile(r"(.)\1{19,}")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs"})
_ALLOWED_CONTROLS = frozenset("\n")


def check(field: str, text: str) -> None:
    """Raise ``ContentRejected`` naming the reason and the field; return when ``text`` may go."""
    for char in text:
        if char not in _ALLOWED_CONTROLS and unicodedata.category(char) in _INVISIBLE_CATEGORIES:
            raise ContentRejected(
                "invisible_characters", field=field, detail="请删除文字中的不可见字符或控制字符"
            )
    folded = unicodedata.normalize("NFKC", text).lower().replace(" ", "")
    if any(word in folded for word in _ABUSE):
        raise ContentRejected("abuse", field=field, detail="请文明表述诉求，不使用辱骂性语言")
    if _ADVERTISING.search(folded):
        raise ContentRejected("advertising", field=field, detail="诉求内容不能包含链接、联系方式推广或广告")
    if _ID_NUMBER.search(folded) or _BANK_CARD.search(folded):
        raise ContentRejected("personal_data", field=field, detail="请勿在诉求内容中填写身份证号或银行卡号")
    if _REPEATED.search(folded):
        raise ContentRejected("repetition", field=field, detail="诉求内容包含大量重复字符")
