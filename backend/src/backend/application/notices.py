"""What the application feature tells a citizen: the department moved their application.

The sandbox template ids are the twins'; a deployment names its consoles' ids in
``SUQIAN_NOTIFICATION_WECHAT_TEMPLATE_IDS`` / ``..._ALIPAY_TEMPLATE_IDS``.
"""

from __future__ import annotations

from datetime import datetime

from backend.application.lifecycle import Status
from backend.application.repository import ApplicationRow
from backend.notices import AlipayNotice, SmsNotice, Template, WeChatNotice
from backend.notification.service import NotificationService

CATEGORY = "application"
PAGE = "pages/applications/detail?id={application_id}"

STATUS_CHANGED = Template(
    code="application.status_changed",
    category=CATEGORY,
    title="办件进度：{status}",
    text="您申请的“{item}”{status}。{note}",
    wechat=WeChatNotice(
        template_id="sandbox-tpl-application-status",
        fields={"thing1": "item", "phrase2": "status", "time3": "at", "thing4": "note"},
        page=PAGE,
    ),
    alipay=AlipayNotice(
        template_id="sandbox-ali-application-status",
        fields={"keyword1": "item", "keyword2": "status", "keyword3": "at"},
        page=PAGE,
    ),
    sms=SmsNotice(
        template_code="SQ_APPLICATION_STATUS",
        params={"item": "item", "status": "status"},
        text="您申请的“${item}”办件状态已更新为：${status}。",
    ),
)

CORRECTION_REQUESTED = Template(
    code="application.correction_requested",
    category=CATEGORY,
    title="办件需补正",
    text="您申请的“{item}”需要补正：{note}。请补正后重新提交。",
    wechat=WeChatNotice(
        template_id="sandbox-tpl-application-correction",
        fields={"thing1": "item", "thing2": "note", "time3": "at"},
        page=PAGE,
    ),
    alipay=AlipayNotice(
        template_id="sandbox-ali-application-correction",
        fields={"keyword1": "item", "keyword2": "note", "keyword3": "at"},
        page=PAGE,
    ),
    sms=SmsNotice(
        template_code="SQ_APPLICATION_CORRECTION",
        params={"item": "item", "note": "note"},
        text="您申请的“${item}”需补正：${note}。请在“我的宿迁”中补正后重新提交。",
    ),
)

NOTICES = (STATUS_CHANGED, CORRECTION_REQUESTED)

# The moves (the department's, a reviewer's) a citizen is told of, as the status shows in a WeChat
# ``phrase`` (≤ 5 汉字).
TOLD: dict[Status, str] = {
    "accepted": "已受理",
    "intake_refused": "不予受理",
    "correction_requested": "需补正",
    "approved": "审批通过",
    "refused": "未获批准",
    "completed": "已办结",
}


def notice_for(status: Status) -> Template | None:
    """The notice a move to ``status`` owes the citizen, if any."""
    if status == "correction_requested":
        return CORRECTION_REQUESTED
    return STATUS_CHANGED if status in TOLD else None


async def tell(
    notifications: NotificationService,
    row: ApplicationRow,
    status: Status,
    *,
    key: str,
    note: str,
    at: datetime,
) -> bool:
    """Owe the citizen the notice of a move to ``status`` (if it owes one), inside the move's
    transaction, once per ``key`` (the move's cause); True when a notice is owed (``wake()`` after)."""
    notice = notice_for(status)
    if notice is None:
        return False
    data = {
        "application_id": row.id,
        "item": row.item_name,
        "status": TOLD[status],
        "at": at,
        "note": note or "详情请在“我的宿迁”中查看",
    }
    return await notifications.notify(row.citizen_id, template=notice, data=data, key=key)
