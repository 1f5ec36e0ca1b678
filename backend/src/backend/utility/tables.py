from piccolo.columns import UUID, Integer, Timestamptz, Varchar
from piccolo.table import Table


class UtilityAccountLink(Table, tablename="utility_account"):
    """A utility account a citizen pays (one row per citizen, utility and account number)."""

    id = UUID(primary_key=True)
    citizen_id = UUID(index=True)
    kind = Varchar(length=16)
    account_no = Varchar(length=20)
    holder = Varchar(length=32)
    address = Varchar(length=128)
    created_at = Timestamptz()


class UtilityPayment(Table, tablename="utility_payment"):
    """One bill paid through one payment order; ``status`` pending → settled (the utility took the
    payment advice and answered its receipt) or pending → refused (it would not: the order is
    refunded in full)."""

    id = UUID(primary_key=True)
    citizen_id = UUID(index=True)
    account_id = UUID()
    kind = Varchar(length=16)
    account_no = Varchar(length=20)
    bill_no = Varchar(length=40)
    period = Varchar(length=7)
    amount_fen = Integer()
    order_id = UUID(unique=True)
    status = Varchar(length=16)
    receipt_no = Varchar(length=40)
    transaction_id = Varchar(length=64)
    paid_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
