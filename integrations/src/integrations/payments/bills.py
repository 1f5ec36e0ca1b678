"""The platforms' daily bills (对账单) in their own formats, read into :class:`BillLine` (and, for
the twins, written).

* WeChat Pay v3 ``tradebill`` (``bill_type=ALL``): UTF-8 CSV, a header row, one row per payment
  (``交易状态`` ``SUCCESS``) and per refund (``REFUND``), every field prefixed with a backtick so
  spreadsheets keep ids as text, then a summary header and row. Amounts are yuan with two decimals.
* Alipay ``trade`` bill: a zip of GBK CSVs; ``<pid>_<yyyymmdd>_业务明细.csv`` has ``#`` comment
  lines around a header and one row per 交易 (payment) or 退款 (refund, negative amounts).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from typing import Literal

import msgspec

from integrations.payments._money import fen_to_yuan, yuan_to_fen

__all__ = [
    "ALIPAY_DETAIL_HEADER",
    "WECHAT_TRADEBILL_HEADER",
    "BillLine",
    "parse_alipay_bill",
    "parse_wechat_tradebill",
    "render_alipay_bill",
    "render_wechat_tradebill",
]


class BillLine(msgspec.Struct, frozen=True, kw_only=True):
    """One line of a bill: a payment (``amount_fen`` is what was paid) or a refund (``amount_fen``
    is what was refunded, positive)."""

    kind: Literal["payment", "refund"]
    out_trade_no: str
    transaction_id: str
    amount_fen: int
    out_refund_no: str = ""
    time: str = ""


WECHAT_TRADEBILL_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
    "货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,"
    "商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
)
_WECHAT_SUMMARY = (
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
)


def render_wechat_tradebill(rows: Iterable[dict[str, str]]) -> str:
    """The CSV for ``rows`` (dicts keyed by the header's names; missing fields are empty)."""
    names = WECHAT_TRADEBILL_HEADER.split(",")
    lines = [WECHAT_TRADEBILL_HEADER]
    count = paid = refunded = 0
    for row in rows:
        lines.append(",".join("`" + row.get(name, "") for name in names))
        count += 1
        paid += yuan_to_fen(row.get("应结订单金额", "0.00") or "0.00")
        refunded += yuan_to_fen(row.get("退款金额", "0.00") or "0.00")
    lines.append(_WECHAT_SUMMARY)
    summary = (
        str(count),
        fen_to_yuan(paid),
        fen_to_yuan(refunded),
        "0.00",
        "0.00000",
        fen_to_yuan(paid),
        fen_to_yuan(refunded),
    )
    lines.append(",".join("`" + value for value in summary))
    return "\r\n".join(lines) + "\r\n"


def parse_wechat_tradebill(text: str) -> list[BillLine]:
    """Read a ``tradebill`` CSV (``ALL``). Raises ``ValueError`` when it is not one."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows or ",".join(rows[0]) != WECHAT_TRADEBILL_HEADER:
        raise ValueError("not a WeChat Pay tradebill")
    names = rows[0]
    found: list[BillLine] = []
    for raw in rows[1:]:
        if ",".join(raw) == _WECHAT_SUMMARY:
            break
        row = dict(zip(names, (field.removeprefix("`") for field in raw), strict=True))
        if row["交易状态"] == "REFUND":
            found.append(
                BillLine(
                    kind="refund",
                    out_trade_no=row["商户订单号"],
                    transaction_id=row["微信订单号"],
                    amount_fen=yuan_to_fen(row["退款金额"]),
                    out_refund_no=row["商户退款单号"],
                    time=row["交易时间"],
                )
            )
        else:
            found.append(
                BillLine(
                    kind="payment",
                    out_trade_no=row["商户订单号"],
                    transaction_id=row["微信订单号"],
                    amount_fen=yuan_to_fen(row["订单金额"]),
                    time=row["交易时间"],
                )
            )
    return found


ALIPAY_DETAIL_HEADER = (
    "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,"
    "订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,"
    "券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注"
)


def render_alipay_bill(pid: str, day: str, rows: Iterable[dict[str, str]]) -> bytes:
    """The zip Alipay's bill URL serves for ``day`` (``yyyymmdd``): the detail CSV in GBK."""
    names = ALIPAY_DETAIL_HEADER.split(",")
    out = io.StringIO()
    out.write("#支付宝业务明细查询\r\n")
    out.write(f"#账号：[{pid}0156]\r\n")
    spelt = f"{day[:4]}年{day[4:6]}月{day[6:]}日"
    out.write(f"#起始日期：[{spelt} 00:00:00]   终止日期：[{spelt} 23:59:59]\r\n")
    out.write(
        "#-----------------------------------------业务明细列表----------------------------------------\r\n"
    )
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([row.get(name, "") for name in names])
    out.write(
        "#-----------------------------------------业务明细列表结束------------------------------------\r\n"
    )
    out.write("#导出时间：[导出时间]\r\n")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{pid}0156_{day}_业务明细.csv", out.getvalue().encode("gbk"))
    return buffer.getvalue()


def parse_alipay_bill(content: bytes) -> list[BillLine]:
    """Read the detail CSV of an Alipay ``trade`` bill zip. Raises ``ValueError`` when it is none."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            name = next(n for n in archive.namelist() if n.endswith("_业务明细.csv"))
            text = archive.read(name).decode("gbk")
    except (zipfile.BadZipFile, StopIteration, UnicodeDecodeError) as exc:
        raise ValueError(f"not an Alipay trade bill: {exc}") from None
    rows = [row for row in csv.reader(io.StringIO(text)) if row and not row[0].startswith("#")]
    if not rows or ",".join(rows[0]) != ALIPAY_DETAIL_HEADER:
        raise ValueError("not an Alipay trade bill: no detail header")
    names = rows[0]
    found: list[BillLine] = []
    for raw in rows[1:]:
        row = dict(zip(names, (field.strip() for field in raw), strict=True))
        amount = row["订单金额（元）"].lstrip("-")
        if row["业务类型"] == "退款":
            found.append(
                BillLine(
                    kind="refund",
                    out_trade_no=row["商户订单号"],
                    transaction_id=row["支付宝交易号"],
                    amount_fen=yuan_to_fen(amount),
                    out_refund_no=row["退款批次号/请求号"],
                    time=row["完成时间"],
                )
            )
        else:
            found.append(
                BillLine(
                    kind="payment",
                    out_trade_no=row["商户订单号"],
                    transaction_id=row["支付宝交易号"],
                    amount_fen=yuan_to_fen(amount),
                    time=row["完成时间"],
                )
            )
    return found
