"""What the credit feature tells a citizen: the platform decided (or refused) their objection."""

from __future__ import annotations

from backend.notices import AlipayNotice, SmsNotice, Template, WeChatNotice

PAGE = "pages/credit/objection?id={objection}"

OBJECTION_DECIDED = Template(
    code="credit.objection_decided",
    category="credit",
    title="信用异议：{result}",
    text="您对信用记录{record_id}提出的异议{result}。{reply}",
    wechat=WeChatNotice(
        template_id="sandbox-tpl-credit-objection",
        fields={"character_string1": "record_id", "phrase2": "result", "thing3": "reply", "time4": "at"},
        page=PAGE,
    ),
    alipay=AlipayNotice(
        template_id="sandbox-ali-credit-objection",
        fields={"keyword1": "record_id", "keyword2": "result", "keyword3": "reply"},
        page=PAGE,
    ),
    sms=SmsNotice(
        template_code="SQ_CREDIT_OBJECTION",
        params={"record": "record_id", "result": "result"},
        text="您对信用记录${record}提出的异议${result}，详情请在“我的宿迁”中查看。",
    ),
)

# What each outcome shows in a WeChat ``phrase`` (≤ 5 汉字).
RESULTS = {"upheld": "已更正", "dismissed": "维持原记录", "refused": "未受理"}
