"""The folding vocabulary: how Suqian residents say things → how the catalogue says them, and the
filler a question carries. Applied alike to questions and indexed phrases (``text.fold``), so a rewrite
only has to be consistent, never complete. Staff add per-item aliases at run time; this table holds the
words every item shares (驾照, 户口本, 丢了)."""

from __future__ import annotations

# Longest first wins (``text.fold`` sorts them); a value is never itself a key, so nothing chains.
REWRITES: dict[str, str] = {
    # Variant spellings, Taiwan/HK terms after t2s, common wrong characters.
    "身分证": "身份证",
    "户口本": "户口簿",
    "户口薄": "户口簿",
    "户囗": "户口",
    "帐户": "账户",
    "驾驶执照": "驾驶证",
    "驾驶照": "驾驶证",
    "驾照": "驾驶证",
    "车本": "驾驶证",
    "房本": "不动产权证",
    "房产证": "不动产权证",
    "不动产证": "不动产权证",
    "通行证": "通行证件",
    # Children.
    "小宝宝": "孩子",
    "宝宝": "孩子",
    "小孩子": "孩子",
    "小孩": "孩子",
    "娃娃": "孩子",
    "伢子": "孩子",
    "儿子": "孩子",
    "女儿": "孩子",
    "小朋友": "孩子",
    "上户口": "落户",
    "报户口": "落户",
    "入户口": "落户",
    "落户口": "落户",
    # Lost, reissue, expiry.
    "弄丢": "丢",
    "搞丢": "丢",
    "丢失": "丢",
    "遗失": "丢",
    "掉了": "丢",
    "不见了": "丢",
    "找不到": "丢",
    "补领": "补办",
    "补发": "补办",
    "重新办": "补办",
    "补个": "补办",
    "过期": "到期",
    "快到期": "到期",
    "期满": "到期",
    # Money and payment.
    "多少钱": "费用",
    "价钱": "费用",
    "价格": "费用",
    "收费": "费用",
    "交钱": "缴费",
    "交费": "缴费",
    "缴纳": "缴费",
    "退休金": "养老金",
    "退休工资": "养老金",
    # Tourism.
    "宾馆": "酒店",
    "旅馆": "酒店",
    "旅店": "酒店",
    "民宿": "酒店",
    "住宿": "酒店",
    "景点": "景区",
    "旅游点": "景区",
    "好玩的地方": "景区",
    "买票": "门票",
    "订票": "门票",
    "购票": "门票",
    "车位": "停车",
    "停车场": "停车",
    "泊车": "停车",
    "几点开门": "开放时间",
    "几点关门": "开放时间",
    "几点开放": "开放时间",
    "营业时间": "开放时间",
    # Places.
    "宿迁市": "宿迁",
}

# Politeness, question words and particles: they say nothing about which item is meant, and a
# question full of them must not look like it matched nothing.
FILLER: tuple[str, ...] = (
    "我想问一下", "我想咨询", "想问一下", "请问一下", "咨询一下", "请问", "你好", "您好", "我想问",
    "想问", "我想", "我要", "想要", "需要", "怎么办理", "如何办理", "怎么办", "怎么弄", "怎么搞",
    "怎么样", "怎么", "咋办", "咋弄", "咋整", "咋", "如何", "怎样", "在哪里", "在哪儿", "在哪",
    "哪里", "哪儿", "去哪", "能不能", "可不可以", "可以", "能否", "是否", "有没有", "要不要",
    "办理", "麻烦", "谢谢", "一下", "什么", "啥", "吗", "呢", "啊", "呀", "吧", "哦", "嘛", "了",
    "的", "我们", "我家", "我", "你们", "现在", "应该", "还", "该",
)  # fmt: skip
