from piccolo.columns import UUID, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class NotificationMessage(Table, tablename="notification_message"):
    """One thing a feature told one citizen, and how it went: the in-app inbox row and its delivery.

    ``key`` is the cause (``application:<id>:event:<n>``), unique (see the raw migration): the same
    cause never makes a second message. ``payload`` holds what each channel sends, rendered when the
    notice was made (no phone number or openid: those are looked up at sending). ``state`` is
    ``queued`` | ``sent`` | ``failed`` | ``skipped``; ``channel`` the one chosen (``wechat``,
    ``alipay``, ``sms``), set once, in the transaction that spent the authorisation it uses;
    ``reason`` why it was skipped or failed, or the last retry's cause; ``tries`` counts calls to the
    chosen channel (a WeChat refusal after a repeat may mean the first call arrived).
    """

    id = UUID(primary_key=True)
    citizen_id = UUID()
    key = Varchar(length=200)
    template = Varchar(length=64)
    category = Varchar(length=32)
    urgent = Integer()
    title = Text()
    body = Text()
    payload = Text()
    state = Varchar(length=16)
    channel = Varchar(length=16, null=True, default=None)
    reason = Text()
    tries = Integer()
    upstream_id = Varchar(length=64, null=True, default=None)
    created_at = Timestamptz()
    due_at = Timestamptz()
    updated_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
    read_at = Timestamptz(null=True, default=None)


class NotificationGrant(Table, tablename="notification_grant"):
    """Subscribe-message authorisations a citizen gave on a platform: each "allow" in
    ``wx.requestSubscribeMessage`` / ``my.requestSubscribeMessage`` is one send of that template to
    that platform user. Unique per (citizen, platform, template) (see the raw migration);
    ``remaining`` never goes below 0: a send spends one with an UPDATE that requires one left."""

    id = UUID(primary_key=True)
    citizen_id = UUID()
    platform = Varchar(length=16)
    template = Varchar(length=64)
    platform_user = Varchar(length=128)
    remaining = Integer()
    updated_at = Timestamptz()


class NotificationPreference(Table, tablename="notification_preference"):
    """A citizen's choices, one row each: ``channels`` is JSON ``{category: {channel: bool}}`` (a
    category or channel not named is on); quiet hours in minutes after Beijing midnight, both null
    for none (no row: the default hours)."""

    id = UUID(primary_key=True)
    citizen_id = UUID(unique=True)
    channels = Text()
    quiet_start = Integer(null=True, default=None)
    quiet_end = Integer(null=True, default=None)
    updated_at = Timestamptz()
