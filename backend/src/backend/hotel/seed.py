"""Suqian hotels for the embedded default (the PMS twin knows the same codes and rooms)."""

from __future__ import annotations

from typing import Any

# (hotel fields, [room type fields])
SEED: tuple[tuple[dict[str, Any], list[dict[str, Any]]], ...] = (
    (
        {
            "code": "SQ-HT-001",
            "name": "宿迁洋河大酒店",
            "district": "宿城区",
            "address": "宿迁市宿城区幸福中路88号",
            "phone": "0527-84361888",
            "check_in_minute": 840,
            "free_cancel_hours": 6,
            "late_fee_percent": 100,
        },
        [
            {"code": "KING", "name": "豪华大床房", "beds": "1张1.8米大床", "rooms": 3, "price_fen": 38800},
            {"code": "TWIN", "name": "商务双床房", "beds": "2张1.2米床", "rooms": 2, "price_fen": 35800},
        ],
    ),
    (
        {
            "code": "SQ-HT-002",
            "name": "宿迁项王故里假日酒店",
            "district": "宿城区",
            "address": "宿迁市宿城区项王路1号",
            "phone": "0527-84368666",
            "check_in_minute": 840,
            "free_cancel_hours": 24,
            "late_fee_percent": 50,
        },
        [
            {"code": "KING", "name": "园景大床房", "beds": "1张2米大床", "rooms": 2, "price_fen": 45800},
            {"code": "SUITE", "name": "行政套房", "beds": "1张2米大床", "rooms": 1, "price_fen": 98800},
        ],
    ),
    (
        {
            "code": "SQ-HT-003",
            "name": "骆马湖湖滨酒店",
            "district": "湖滨新区",
            "address": "宿迁市湖滨新区嶂山大道18号",
            "phone": "0527-88889999",
            "check_in_minute": 900,
            "free_cancel_hours": 0,
            "late_fee_percent": 100,
        },
        [{"code": "DOUBLE", "name": "湖景双人间", "beds": "2张1.35米床", "rooms": 4, "price_fen": 29800}],
    ),
)
