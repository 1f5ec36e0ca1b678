"""Scenic spots of Suqian loaded in the embedded default (and anywhere but production unless told):
real places, opening hours as published by the spots; prices are illustrative, in fen."""

from __future__ import annotations

from backend.tourism.model import NewProduct


def _products(adult_fen: int) -> list[NewProduct]:
    return [
        NewProduct(kind="adult", name="成人票", price_fen=adult_fen),
        NewProduct(kind="child", name="儿童票（6-17岁）", price_fen=adult_fen // 2),
        NewProduct(kind="senior", name="老年票（60岁以上）", price_fen=adult_fen // 2),
        NewProduct(kind="free", name="免票（6岁以下、70岁以上）", price_fen=0),
    ]


# slug, name, address, description, opens, closes (minutes), slot minutes, daily capacity, products
SEED: tuple[tuple[str, str, str, str, int, int, int, int, list[NewProduct]], ...] = (
    (
        "hongzehu-wetland",
        "洪泽湖湿地公园",
        "江苏省宿迁市泗洪县临淮镇",
        "国家级湿地公园，湖荡、芦苇与候鸟。",
        8 * 60,
        17 * 60 + 30,
        60,
        8000,
        _products(8000),
    ),
    (
        "xiangwang-guli",
        "项王故里",
        "江苏省宿迁市宿城区梧桐巷1号",
        "西楚霸王项羽的出生地，国家4A级景区。",
        8 * 60,
        18 * 60,
        60,
        6000,
        _products(5000),
    ),
    (
        "santaishan-forest",
        "三台山国家森林公园",
        "江苏省宿迁市宿城区三台山路",
        "国家森林公园，衲田花海。",
        8 * 60,
        17 * 60 + 30,
        60,
        10000,
        _products(6000),
    ),
    (
        "luomahu",
        "骆马湖旅游度假区",
        "江苏省宿迁市宿豫区骆马湖",
        "湖滨沙滩与湿地，嶂山森林公园相邻。",
        8 * 60,
        18 * 60,
        60,
        5000,
        _products(4000),
    ),
)
