"""What the hotline feature tells a citizen: a department replied to their 12345 ticket (each reply
once), or the platform would not take the ticket."""

from __future__ import annotations

from backend.notices import AlipayNotice, SmsNotice, Template, WeChatNotice

PAGE = "pages/hotline/ticket?id={ticket}"

REPLIED = Template(
    code="hotline.replied",
    category="hotline",
    title="12345回复：{tracking_no}",
    text="您的12345诉求（{tracking_no}）有新回复，{department}：{reply}",
    wechat=WeChatNotice(
        template_id="sandbox-tpl-hotline-reply",
        fields={"character_string1": "tracking_no", "thing2": "department", "thing3": "reply", "time4": "at"},
        page=PAGE,
    ),
    alipay=AlipayNotice(
        template_id="sandbox-ali-hotline-reply",
        fields={"keyword1": "tracking_no", "keyword2": "department", "keyword3": "reply"},
        page=PAGE,
    ),
    sms=SmsNotice(
        template_code="SQ_HOTLINE_REPLY",
        params={"no": "tracking_no", "dept": "department"},
        text="您的12345诉求${no}已有${dept}回复，请在“我的宿迁”中查看。",
    ),
)

REFUSED = Template(
    code="hotline.refused",
    category="hotline",
    title="12345诉求未受理：{tracking_no}",
    text="您的12345诉求（{tracking_no}）未被受理：{reason}",
    sms=None,
)

# Why the platform refused, as the citizen reads it.
REFUSALS = {
    "content_refused": "内容未通过平台审核，请修改后重新提交",
    "unknown_category": "诉求分类有误，请重新选择分类后提交",
    "attachment_missing": "照片未能送达，请重新提交",
}
