"""Suqian's compulsory-education schools and their districts for the embedded default (sandbox data in
the shape the education bureau publishes its 学区划分: roads with house-number runs, and communities).
The named residents' addresses fall in them: 张伟's 宿城区幸福中路18号 in 宿迁市实验小学's district,
王芳's 宿豫区洪泽湖路66号 in 宿豫区豫新初级中学's."""

from __future__ import annotations

from typing import Any

# (school fields, [catchment lines: district, road, from, to, parity, community])
SEED: tuple[tuple[dict[str, Any], list[tuple[str, str, int, int, str, str]]], ...] = (
    (
        {"code": "SQ-XX-0001", "name": "宿迁市实验小学", "stage": "primary", "district": "宿城区",
         "address": "宿迁市宿城区幸福中路100号", "phone": "0527-84352001"},
        [("宿城区", "幸福中路", 1, 199, "all", ""), ("宿城区", "西湖路", 1, 99, "all", ""),
         ("宿城区", "", 0, 0, "all", "实验花园")],
    ),
    (
        {"code": "SQ-XX-0002", "name": "宿迁市东大街小学", "stage": "primary", "district": "宿城区",
         "address": "宿迁市宿城区东大街28号", "phone": "0527-84352002"},
        [("宿城区", "发展大道", 1, 299, "all", ""), ("宿城区", "黄河南路", 1, 199, "odd", ""),
         ("宿城区", "幸福中路", 200, 499, "all", "")],
    ),
    (
        {"code": "SQ-XX-0003", "name": "宿迁市钟吾初级中学", "stage": "junior", "district": "宿城区",
         "address": "宿迁市宿城区西湖路58号", "phone": "0527-84352003"},
        [("宿城区", "幸福中路", 1, 499, "all", ""), ("宿城区", "发展大道", 1, 499, "all", ""),
         ("宿城区", "西湖路", 1, 499, "all", ""), ("宿城区", "黄河南路", 1, 499, "all", "")],
    ),
    (
        {"code": "SQ-XX-0004", "name": "宿豫区实验小学", "stage": "primary", "district": "宿豫区",
         "address": "宿迁市宿豫区洪泽湖路120号", "phone": "0527-84452004"},
        [("宿豫区", "洪泽湖路", 1, 199, "all", ""), ("宿豫区", "青海湖路", 1, 99, "all", "")],
    ),
    (
        {"code": "SQ-XX-0005", "name": "宿豫区豫新初级中学", "stage": "junior", "district": "宿豫区",
         "address": "宿迁市宿豫区青海湖路8号", "phone": "0527-84452005"},
        [("宿豫区", "洪泽湖路", 1, 499, "all", ""), ("宿豫区", "青海湖路", 1, 499, "all", "")],
    ),
    (
        {"code": "SQ-XX-0006", "name": "沭阳县沭城中心小学", "stage": "primary", "district": "沭阳县",
         "address": "沭阳县沭城街道人民路50号", "phone": "0527-83552006"},
        [("沭阳县", "人民路", 1, 199, "all", "")],
    ),
    (
        {"code": "SQ-XX-0007", "name": "泗阳县众兴实验小学", "stage": "primary", "district": "泗阳县",
         "address": "泗阳县众兴镇北京路60号", "phone": "0527-85552007"},
        [("泗阳县", "北京路", 1, 199, "all", "")],
    ),
    (
        {"code": "SQ-XX-0008", "name": "泗洪县青阳小学", "stage": "primary", "district": "泗洪县",
         "address": "泗洪县青阳街道长江路30号", "phone": "0527-86552008"},
        [("泗洪县", "长江路", 1, 199, "all", "")],
    ),
    (
        {"code": "SQ-XX-0009", "name": "宿迁市湖滨新区实验学校", "stage": "primary", "district": "湖滨新区",
         "address": "宿迁市湖滨新区嶂山大道9号", "phone": "0527-88552009"},
        [("湖滨新区", "嶂山大道", 1, 299, "all", ""), ("湖滨新区", "", 0, 0, "all", "湖滨公馆")],
    ),
)  # fmt: skip
