"""What the tourism feature tells a citizen: a place they waited for is held for them, to pay.

The sandbox template ids are the twins'; a deployment names its consoles' ids in
``SUQIAN_NOTIFICATION_WECHAT_TEMPLATE_IDS`` / ``..._ALIPAY_TEMPLATE_IDS``.
"""

from __future__ import annotations

from backend.notices import AlipayNotice, SmsNotice, Template, WeChatNotice

PAGE = "pages/tourism/hold?id={hold_id}"

OFFERED = Template(
    code="tourism.waitlist_offer",
    category="tourism",
    title="候补成功，请尽快支付",
    text="您候补的{spot} {day} 门票已为您保留{minutes}分钟，请在此前完成支付。",
    wechat=WeChatNotice(
        template_id="sandbox-tpl-tourism-offer",
        fields={"thing1": "spot", "date2": "day", "number3": "minutes"},
        page=PAGE,
    ),
    alipay=AlipayNotice(
        template_id="sandbox-ali-tourism-offer",
        fields={"keyword1": "spot", "keyword2": "day", "keyword3": "minutes"},
        page=PAGE,
    ),
    sms=SmsNotice(
        template_code="SQ_TOURISM_OFFER",
        params={"spot": "spot", "day": "day", "minutes": "minutes"},
        text="您候补的${spot}${day}门票已为您保留，请在${minutes}分钟内支付。",
    ),
)

NOTICES = (OFFERED,)
