"""What a feature may tell a citizen: notice templates, declared in code by the feature that owns them
(``Feature(notices=(...))``) and sent by the notification feature (``backend.notification``).

A template is one message in every form it can take: a title and Chinese text for the in-app inbox
(``{name}`` placeholders), and per channel what the platform needs —

- a WeChat subscribe message: the console's template id and its keywords (``thing1``, ``time2``), each
  filled from a placeholder and fitted to its kind's limits (``thing`` ≤ 20 characters, ``phrase`` ≤ 5
  汉字, ``character_string`` ≤ 32 ASCII; WeChat answers 47003 to a value that does not fit);
- an Alipay subscribe message: its template id and ``keywordN`` fields;
- an SMS: the gateway's registered template code and its parameters. ``sms=None`` means the template is
  never sent as an SMS (SMS is the fallback when no subscribe authorisation is held, and costs money).

``urgent`` notices ("please go to counter 3") are sent at once; the rest wait out the citizen's quiet
hours. ``category`` is what a citizen turns channels on and off for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from string import Formatter

BEIJING = timezone(timedelta(hours=8))

# WeChat's keyword kinds and their value limits, in characters (subscribe-message documentation,
# "参数类型说明"). ``time``/``date`` are formatted from a datetime; the others are cut to fit.
KEYWORD_LIMITS: dict[str, int] = {
    "thing": 20,
    "number": 32,
    "letter": 32,
    "symbol": 5,
    "character_string": 32,
    "phone_number": 17,
    "car_number": 8,
    "name": 10,
    "phrase": 5,
    "amount": 11,
    "time": 32,
    "date": 32,
}
_KEYWORD = re.compile(r"^([a-z_]+?)(\d+)$")
# ``character_string``, ``number``, ``letter``: ASCII only (a 汉字 there is a 47003).
_ASCII_ONLY = frozenset({"character_string", "number", "letter", "phone_number"})
# SMS: one segment is 70 characters (UCS-2), a long message is split into 67-character parts.
SMS_SEGMENT = 70
SMS_PART = 67
SMS_SIGNATURE = "【我的宿迁】"
# A gateway template variable holds at most 35 characters (Aliyun's rule for text variables).
SMS_PARAM_LIMIT = 35


def keyword_kind(keyword: str) -> str:
    """``thing1`` → ``thing``; ``character_string3`` → ``character_string``."""
    match = _KEYWORD.match(keyword)
    if match is None or match.group(1) not in KEYWORD_LIMITS:
        raise ValueError(f"not a WeChat subscribe-message keyword: {keyword!r}")
    return match.group(1)


def fit(keyword: str, value: object) -> str:
    """``value`` as WeChat accepts it for ``keyword``: a datetime in Beijing time for ``time``/``date``,
    other kinds cut to their limit (``thing`` ends in "…" when cut, so a reader sees it was)."""
    kind = keyword_kind(keyword)
    if isinstance(value, datetime):
        local = value.astimezone(BEIJING)
        return local.strftime("%Y年%m月%d日" if kind == "date" else "%Y年%m月%d日 %H:%M")
    text = " ".join(str(value).split())  # no newlines or runs of blanks in a one-line field
    if kind in _ASCII_ONLY:
        text = text.encode("ascii", "ignore").decode()
    limit = KEYWORD_LIMITS[kind]
    return _cut(text, limit) if kind == "thing" else text[:limit]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def sms_segments(text: str) -> int:
    """How many SMS a text costs, its signature included: one up to 70 characters, else 67 a part."""
    length = len(SMS_SIGNATURE) + len(text)
    return 1 if length <= SMS_SEGMENT else -(-length // SMS_PART)


def placeholders(text: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in Formatter().parse(text) if name)


@dataclass(frozen=True, slots=True, kw_only=True)
class WeChatNotice:
    """A WeChat subscribe-message template: keyword (``thing1``) → the placeholder it shows; ``page``
    is the mini-program page a tap opens, with placeholders."""

    template_id: str
    fields: Mapping[str, str]
    page: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AlipayNotice:
    """An Alipay subscribe-message template: ``keywordN`` → the placeholder it shows."""

    template_id: str
    fields: Mapping[str, str]
    page: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SmsNotice:
    """An SMS template registered with the gateway: its code, its parameter → placeholder mapping,
    and its text as registered (``${param}``), to know what it costs."""

    template_code: str
    params: Mapping[str, str]
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Template:
    code: str
    category: str
    title: str
    text: str
    urgent: bool = False
    wechat: WeChatNotice | None = None
    alipay: AlipayNotice | None = None
    sms: SmsNotice | None = None
    needs: frozenset[str] = field(default=frozenset())

    def __post_init__(self) -> None:
        used = set(placeholders(self.text)) | set(placeholders(self.title))
        for channel in (self.wechat, self.alipay):
            if channel is not None:
                used |= set(channel.fields.values()) | placeholders(channel.page or "")
        if self.wechat is not None:
            for keyword in self.wechat.fields:
                keyword_kind(keyword)  # refuses a keyword WeChat does not have
        if self.sms is not None:
            used |= set(self.sms.params.values())
        object.__setattr__(self, "needs", frozenset(used))

    def render(self, data: Mapping[str, object]) -> Rendered:
        """Every form of the message for ``data``; a missing placeholder is the caller's bug."""
        missing = self.needs - set(data)
        if missing:
            raise ValueError(f"notice {self.code} needs {', '.join(sorted(missing))}")
        text = {k: v.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else str(v)
                for k, v in data.items()}  # fmt: skip
        return Rendered(
            title=self.title.format_map(text),
            body=self.text.format_map(text),
            wechat={k: fit(k, data[p]) for k, p in self.wechat.fields.items()} if self.wechat else {},
            # Alipay's keyword values: held to WeChat's ``thing`` limit, the strictest short text.
            alipay={k: fit("thing1", data[p]) for k, p in self.alipay.fields.items()} if self.alipay else {},
            sms={k: _cut(text[p], SMS_PARAM_LIMIT) for k, p in self.sms.params.items()} if self.sms else {},
            wechat_page=self.wechat.page.format_map(text) if self.wechat and self.wechat.page else None,
            alipay_page=self.alipay.page.format_map(text) if self.alipay and self.alipay.page else None,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Rendered:
    """A template filled in: what the inbox shows and what each channel sends."""

    title: str
    body: str
    wechat: Mapping[str, str]
    alipay: Mapping[str, str]
    sms: Mapping[str, str]
    wechat_page: str | None = None
    alipay_page: str | None = None
