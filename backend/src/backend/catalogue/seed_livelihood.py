"""More seed items: the everyday 民生 services residents ask about most that ``seed_items.py`` lacks —
property transfer, housing-fund loans, retirement, medical insurance away from home and refunds,
self-employed social insurance, company registration, divorce, maternity allowance, vehicle
inspection, household-register book reissue (names and 承诺时限 after the Jiangsu government service
network's item guides; codes are ours). Loaded with ``SEED`` (``feature.seed_catalogue``)."""

from __future__ import annotations

from backend.catalogue.definition import ItemDefinition
from backend.catalogue.seed import (
    DATE,
    ID_CARD,
    ID_NUMBER,
    LONG,
    NAME,
    TEXT,
    choice,
    field,
    item,
    money,
    upload,
)

_ADDRESS = {"type": "string", "minLength": 4, "maxLength": 200}
_DISTRICT = choice("宿城区", "宿豫区", "沭阳县", "泗阳县", "泗洪县")

LIVELIHOOD: tuple[ItemDefinition, ...] = (
    item(
        "SQ-ZR-0002",
        "不动产转移登记",
        "宿迁市自然资源和规划局",
        aliases=["二手房过户", "房产过户", "房子过户", "买二手房办证", "房产证更名", "继承房产过户"],
        days=5,
        details=[
            field("location", "不动产坐落", _ADDRESS, prefill="BDCQZS.location"),
            field("reason", "转移原因", choice("买卖", "赠与", "继承", "离婚析产")),
            field("transferee_name", "受让人姓名", NAME),
            field("transferee_id_number", "受让人公民身份号码", ID_NUMBER),
        ],
        materials=[
            ID_CARD,
            upload("certificate", "不动产权证书", licences=("BDCQZS",)),
            upload("contract", "转移原因证明（买卖合同、赠与合同等）"),
        ],
        conditions=["转让方为不动产权利人，且不动产未被查封"],
        faqs=[("过户要交哪些税？", "按转移原因缴纳契税等，税费在不动产登记窗口一并核定，可网上缴纳。")],
    ),
    item(
        "SQ-GJJ-0002",
        "住房公积金贷款申请",
        "宿迁市住房公积金管理中心",
        aliases=["公积金贷款", "公积金买房贷款", "用公积金贷款买房", "公积金贷款额度"],
        days=10,
        details=[
            field("house_location", "所购住房坐落", _ADDRESS),
            field("loan_fen", "申请贷款金额（分）", money(100_000_000)),
            field("years", "贷款年限", {"type": "integer", "minimum": 1, "maximum": 30}),
        ],
        materials=[ID_CARD, upload("contract", "购房合同"), upload("income", "收入证明")],
        conditions=["连续足额缴存住房公积金满6个月，且无未还清的公积金贷款"],
        faqs=[("公积金最多能贷多少？", "单方缴存最高贷款额度为40万元，双方缴存为60万元，以当期政策为准。")],
    ),
    item(
        "SQ-RS-0004",
        "职工退休申请",
        "宿迁市人力资源和社会保障局",
        aliases=["办退休", "退休手续", "领养老金", "到龄退休", "申请退休", "退休审批"],
        days=10,
        details=[
            field("employer", "参保单位", TEXT, optional=True),
            field("retire_date", "申请退休日期", DATE),
            field("kind", "退休类别", choice("正常退休", "弹性提前退休", "特殊工种退休")),
        ],
        materials=[ID_CARD, upload("archive", "人事档案或参保缴费证明", required=False)],
        conditions=["达到法定退休年龄，且基本养老保险累计缴费满15年"],
        faqs=[("养老金什么时候开始发？", "退休审批通过后的次月起按月发放到社保卡。")],
    ),
    item(
        "SQ-YB-0002",
        "异地就医备案",
        "宿迁市医疗保障局",
        aliases=["异地就医", "外地看病报销", "跨省就医", "去外地住院", "异地安置备案", "长期异地居住就医"],
        days=1,
        details=[
            field("kind", "备案类型", choice("异地长期居住", "常驻异地工作", "异地转诊", "临时外出就医")),
            field("place", "就医地（省市）", TEXT),
            field("start", "开始日期", DATE),
        ],
        materials=[ID_CARD],
        conditions=["已参加宿迁市基本医疗保险"],
        faqs=[("备案后能直接结算吗？", "备案后在就医地的联网定点医院可直接刷社保卡或医保码结算。")],
    ),
    item(
        "SQ-YB-0003",
        "医疗费用零星报销",
        "宿迁市医疗保障局",
        aliases=["医保报销", "看病报销", "医药费报销", "垫付报销", "住院费报销", "手工报销"],
        days=20,
        details=[
            field("hospital", "就诊医院", TEXT),
            field("amount_fen", "医疗费用总额（分）", money(1_000_000_000)),
            field("bank_account", "收款银行账号", {"type": "string", "pattern": "^[0-9]{12,19}$"}),
        ],
        materials=[
            ID_CARD,
            upload("invoices", "医疗费用发票及明细清单"),
            upload("records", "出院小结或病历"),
        ],
        conditions=["因故未能直接结算、个人先行垫付的医疗费用"],
        faqs=[("报销要多久到账？", "材料齐全的，受理后20个工作日内拨付到个人账户。")],
    ),
    item(
        "SQ-RS-0005",
        "灵活就业人员参保登记",
        "宿迁市人力资源和社会保障局",
        aliases=[
            "个人交社保",
            "灵活就业交社保",
            "自己交社保",
            "个人缴纳养老保险",
            "社保断缴续交",
            "自由职业交社保",
        ],
        days=1,
        details=[
            field("insurances", "参保险种", choice("养老保险", "养老保险和医疗保险")),
            field("grade", "缴费档次", choice("60%", "80%", "100%", "150%", "200%", "300%")),
        ],
        materials=[ID_CARD],
        conditions=["宿迁户籍或持居住证、无雇工的个体工商户及灵活就业人员"],
        faqs=[("灵活就业社保每月交多少？", "按所选缴费档次乘以缴费基数计算，可按月或按年通过银行代扣缴纳。")],
    ),
    item(
        "SQ-SJ-0003",
        "企业设立登记",
        "宿迁市市场监督管理局",
        aliases=["开公司", "注册公司", "成立公司", "公司注册", "办公司营业执照", "有限公司设立"],
        days=1,
        details=[
            field("company_name", "企业名称", TEXT),
            field("kind", "企业类型", choice("有限责任公司", "股份有限公司", "个人独资企业", "合伙企业")),
            field("address", "住所", _ADDRESS),
            field("capital_fen", "注册资本（分）", money(10_000_000_000_000)),
            field("scope", "经营范围", LONG),
        ],
        materials=[
            ID_CARD,
            upload("articles", "公司章程"),
            upload("premises_proof", "住所使用证明", licences=("BDCQZS",)),
        ],
        conditions=["名称经自主申报通过"],
        faqs=[("注册公司要多少钱？", "企业设立登记不收费，首套印章免费刻制。")],
    ),
    item(
        "SQ-MZ-0005",
        "离婚登记预约",
        "宿迁市民政局",
        aliases=["离婚", "办离婚", "协议离婚", "离婚冷静期", "离婚证"],
        days=30,
        details=[
            field("partner_name", "另一方姓名", NAME),
            field("partner_id_number", "另一方公民身份号码", ID_NUMBER),
            field("office", "婚姻登记处", _DISTRICT),
            field("date", "预约日期", DATE),
        ],
        materials=[
            ID_CARD,
            upload("household_register", "户口簿"),
            upload("marriage", "结婚证", licences=("JHZ",)),
            upload("agreement", "离婚协议书"),
        ],
        conditions=["双方自愿离婚，并对子女抚养、财产及债务处理达成一致"],
        faqs=[
            (
                "离婚冷静期是多久？",
                "提交申请之日起30日内，任何一方不愿意离婚的可撤回申请；期满后30日内双方共同到场领证。",
            )
        ],
    ),
    item(
        "SQ-YB-0004",
        "生育津贴申领",
        "宿迁市医疗保障局",
        aliases=["生育保险", "生育津贴", "产假工资", "生孩子报销", "生育保险报销"],
        days=15,
        details=[
            field("employer", "参保单位", TEXT),
            field("birth_date", "分娩日期", DATE),
            field("hospital", "分娩医院", TEXT),
        ],
        materials=[ID_CARD, upload("birth_certificate", "出生医学证明")],
        conditions=["职工生育保险参保人员，分娩前连续缴费满10个月"],
        faqs=[("生育津贴发给谁？", "生育津贴按月拨付给参保单位，由单位发放给本人。")],
    ),
    item(
        "SQ-GA-0007",
        "机动车检验标志核发",
        "宿迁市公安局交通警察支队",
        aliases=["车辆年检", "汽车年检", "验车", "年审车", "六年免检", "车检标志"],
        days=1,
        details=[
            field("plate", "号牌号码", {"type": "string", "pattern": "^苏N[A-Z0-9]{5,6}$"}),
            field("exempt", "是否免检车辆", choice("免检", "需上线检验")),
        ],
        materials=[ID_CARD, upload("insurance", "交强险保单")],
        conditions=["机动车无未处理的交通违法和事故"],
        faqs=[("新车多久年检一次？", "6年以内的非营运小微型客车免上线检验，每两年申领一次检验标志。")],
    ),
    item(
        "SQ-GA-0008",
        "户口簿补领/换领",
        "宿迁市公安局",
        aliases=["户口本丢了", "补户口本", "户口本坏了", "换户口本"],
        days=3,
        details=[
            field("kind", "办理类型", choice("补领", "换领")),
            field("address", "户籍地址", _ADDRESS),
        ],
        materials=[ID_CARD],
        conditions=["户主或本户成年成员"],
        faqs=[("补户口本要钱吗？", "补领、换领户口簿不收费。")],
    ),
)
