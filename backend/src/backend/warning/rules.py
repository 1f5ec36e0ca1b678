"""What a warning may say: Suqian's districts, the kinds each organisation publishes, the levels."""

from __future__ import annotations

from typing import Literal

# Suqian's three counties and two districts, and the three functional areas with their own emergency
# offices (湖滨新区, 经开区, 洋河新区): a warning may name any of them.
DISTRICTS: tuple[str, ...] = (
    "宿城区",
    "宿豫区",
    "沭阳县",
    "泗阳县",
    "泗洪县",
    "湖滨新区",
    "经开区",
    "洋河新区",
)

Organisation = Literal["meteorological", "water"]
ORGANISATION_NAMES: dict[str, str] = {"meteorological": "宿迁市气象台", "water": "宿迁市水利局"}

# The meteorological bureau's warning signals (气象灾害预警信号, CMA order No. 16) and the water
# authority's flood and drought warnings (水情预警): a publisher issues only its organisation's kinds.
KINDS: dict[str, tuple[str, ...]] = {
    "meteorological": (
        "台风", "暴雨", "暴雪", "寒潮", "大风", "沙尘暴", "高温", "干旱",
        "雷电", "冰雹", "霜冻", "大雾", "霾", "道路结冰",
    ),
    "water": ("洪水", "内涝", "山洪", "干旱"),
}  # fmt: skip
ALL_KINDS: frozenset[str] = frozenset(kind for kinds in KINDS.values() for kind in kinds)

Level = Literal["blue", "yellow", "orange", "red"]
LEVEL_NAMES: dict[str, str] = {"blue": "蓝色", "yellow": "黄色", "orange": "橙色", "red": "红色"}
# Orange and red are pushed to the subscribed citizens; blue and yellow are shown in the app only.
PUSHED: frozenset[str] = frozenset({"orange", "red"})
CHANNELS: tuple[Literal["wechat", "sms"], ...] = ("wechat", "sms")
