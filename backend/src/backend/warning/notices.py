"""The notices a warning is pushed with: the same words for orange and red; red is urgent (sent in
the citizen's quiet hours too). ``category`` ``warning`` is what a citizen turns channels off for, in
the notification feature's preferences."""

from __future__ import annotations

from backend.notices import SmsNotice, Template, WeChatNotice

CATEGORY = "warning"
_TEXT = "{issuer}发布{kind}{level_name}预警（{area}），有效至{valid_until}：{summary}"
_WECHAT = WeChatNotice(
    template_id="sandbox-tpl-warning",
    fields={"thing1": "headline", "thing2": "area", "time3": "valid_until", "thing4": "summary"},
    page="pages/warning/detail?id={warning_id}",
)
_SMS = SmsNotice(
    template_code="SQ_DISASTER_WARNING",
    params={"issuer": "issuer", "kind": "kind", "level": "level_name", "area": "area", "summary": "summary"},
    text="${issuer}发布${kind}${level}预警（${area}）：${summary}。请注意防范。",
)

ORANGE = Template(
    code="warning.orange", category=CATEGORY, title="{headline}", text=_TEXT, wechat=_WECHAT, sms=_SMS
)
RED = Template(
    code="warning.red",
    category=CATEGORY,
    title="{headline}",
    text=_TEXT,
    urgent=True,
    wechat=_WECHAT,
    sms=_SMS,
)
NOTICES = (ORANGE, RED)
