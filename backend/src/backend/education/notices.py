"""What the education feature tells a citizen: the admission result of a school enrolment, and a
school's notice to the parents of a class. The sandbox template ids are the twins'; a deployment names
its consoles' ids in ``SUQIAN_NOTIFICATION_WECHAT_TEMPLATE_IDS`` / ``..._ALIPAY_TEMPLATE_IDS``."""

from __future__ import annotations

from backend.notices import AlipayNotice, SmsNotice, Template, WeChatNotice

CATEGORY = "education"

ADMISSION_RESULT = Template(
    code="education.admission_result",
    category=CATEGORY,
    title="入学录取结果：{result}",
    text="{child}的义务教育入学报名{result}：{school}。{note}",
    wechat=WeChatNotice(
        template_id="sandbox-tpl-education-admission",
        fields={"name1": "child", "phrase2": "result", "thing3": "school", "time4": "at"},
        page="pages/education/enrolment?id={enrolment_id}",
    ),
    alipay=AlipayNotice(
        template_id="sandbox-ali-education-admission",
        fields={"keyword1": "child", "keyword2": "result", "keyword3": "school"},
        page="pages/education/enrolment?id={enrolment_id}",
    ),
    sms=SmsNotice(
        template_code="SQ_EDUCATION_ADMISSION",
        params={"result": "result", "school": "school"},
        text="您的义务教育入学报名${result}：${school}。详情请在“我的宿迁”中查看。",
    ),
)

CLASS_NOTICE = Template(
    code="education.class_notice",
    category=CATEGORY,
    title="家校通知：{title}",
    text="{school}{class_name}：{title}",
    wechat=WeChatNotice(
        template_id="sandbox-tpl-education-notice",
        fields={"thing1": "school", "thing2": "title", "time3": "at"},
        page="pages/education/notice?id={notice_id}",
    ),
    alipay=AlipayNotice(
        template_id="sandbox-ali-education-notice",
        fields={"keyword1": "school", "keyword2": "title", "keyword3": "at"},
        page="pages/education/notice?id={notice_id}",
    ),
    # No SMS: a class notice is read in the app; SMS costs money per parent and per notice.
    sms=None,
)

NOTICES = (ADMISSION_RESULT, CLASS_NOTICE)
