"""What the utility feature tells whoever paid a bill: the utility took the payment (its receipt).

In the inbox only: a receipt is kept, not pushed (a subscribe-message authorisation is spent on what
needs acting on, and an SMS costs money). An organisation's receipt is read by whoever acts for it.
"""

from __future__ import annotations

from backend.notices import Template

BILL_PAID = Template(
    code="utility.bill_paid",
    category="utility",
    title="缴费成功：{utility}",
    text="{utility} {period}（户号 {account_no}）已缴 {amount} 元，缴费单位回执号 {receipt_no}。",
)

NOTICES = (BILL_PAID,)
