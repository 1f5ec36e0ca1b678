from piccolo.columns import UUID, Timestamptz, Varchar
from piccolo.table import Table


class PlatformLink(Table, tablename="platform_link"):
    """One citizen's identity on one mini-program platform.

    Unique on ``(platform, platform_user_id)`` — an openid belongs to one citizen — and on
    ``(citizen_id, platform)`` — a citizen has at most one WeChat and one Alipay link (see the
    migration). ``platform_user_id`` comes only from the platform's server-side exchange.
    """

    id = UUID(primary_key=True)
    citizen_id = UUID()
    platform = Varchar(length=16)
    app_id = Varchar(length=64)
    platform_user_id = Varchar(length=64)
    unionid = Varchar(length=64, null=True, default=None)
    created_at = Timestamptz()
