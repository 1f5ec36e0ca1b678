from piccolo.columns import JSONB, UUID, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class LicenceRecord(Table, tablename="licence_record"):
    """One licence a citizen holds, as last pulled from the library, and the credential issued for
    it. ``sealed`` (the library's record) and ``credential`` are sealed by the data key; what a list
    needs to show (type, masked number, issuer, dates, status) is plain. ``identifier_index`` is a
    blind index of the library's identifier: the change feed names licences by it. ``status_idx`` is
    the licence's entry in status list ``status_list`` (random, unique)."""

    id = UUID(primary_key=True)
    citizen_id = UUID(index=True)
    identifier_index = Varchar(length=64)
    kind_code = Varchar(length=32)
    kind_name = Varchar(length=64)
    masked_number = Varchar(length=64)
    issuer_name = Varchar(length=128)
    issued_on = Varchar(length=10)
    expires_on = Varchar(length=10, null=True, default=None)
    status = Varchar(length=16)
    version = Integer(default=1)
    sealed = Text(secret=True)
    credential = Text(secret=True)
    credential_digest = Varchar(length=64)
    status_list = Integer(default=1)
    status_idx = Integer()
    fetched_at = Timestamptz()
    status_changed_at = Timestamptz()


class LicenceKey(Table, tablename="licence_key"):
    """Signing keys: the issuer's (``purpose`` issuer; one live, older ones kept for verification)
    and each citizen's holder key (``purpose`` holder, ``citizen_id`` set): the cloud wallet holds
    the key a presentation is bound to and signs only for its signed-in owner."""

    kid = Varchar(length=64, primary_key=True)
    purpose = Varchar(length=16)
    citizen_id = UUID(null=True, default=None)
    private_key = Text(secret=True)
    public_jwk = JSONB()
    created_at = Timestamptz()
    retired_at = Timestamptz(null=True, default=None)


class LicenceVerifier(Table, tablename="licence_verifier"):
    """A registered verifier (a department's counter, a business): the scanner device it asks from,
    who it is, why it may ask (legal basis, purpose) and exactly which fields of which types."""

    id = UUID(primary_key=True)
    device_id = UUID()
    name = Varchar(length=128)
    kind = Varchar(length=16)
    legal_basis = Varchar(length=256)
    purpose = Varchar(length=256)
    allowed = JSONB()
    retention_days = Integer()
    contact = Varchar(length=128)
    registered_by = UUID()
    created_at = Timestamptz()
    suspended_at = Timestamptz(null=True, default=None)


class LicenceRequest(Table, tablename="licence_request"):
    """A counter's request to a citizen, from the scanned handle to the verifier's verification.

    ``state``: pending → presented | declined | expired; presented → verified (once). The
    presentation (personal data) is sealed and dropped once verified or expired."""

    id = UUID(primary_key=True)
    verifier_id = UUID(index=True)
    citizen_id = UUID(index=True)
    kind_code = Varchar(length=32)
    requested = JSONB()
    disclosed = JSONB(null=True, default=None)
    nonce = Varchar(length=64)
    state = Varchar(length=16)
    presentation = Text(secret=True, null=True, default=None)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    answered_at = Timestamptz(null=True, default=None)


class LicenceLogEntry(Table, tablename="licence_log"):
    """The citizen's disclosure log: one hash-chained row per issuance and per request outcome,
    naming fields, never their values (``wallet`` defines the row's canonical form and the hash)."""

    id = UUID(primary_key=True)
    citizen_id = UUID()
    seq = Integer()
    row = JSONB()
    hash = Varchar(length=64)


class LicenceSync(Table, tablename="licence_sync"):
    """Cursors: the library's change feed (``name`` feed), and each citizen's last pull
    (``name`` citizen:<id>) so on-demand refreshes are bounded."""

    name = Varchar(length=64, primary_key=True)
    position = Integer(default=0)
    at = Timestamptz()


class LicenceCard(Table, tablename="licence_card"):
    """A pointer to a licence in the citizen's WeChat or Alipay card pack: the platform's references,
    never the licence's data (the pass shows its name and masked number, both already public to the
    platform user who holds it). ``withdrawn_at`` when taken back."""

    id = UUID(primary_key=True)
    licence_id = UUID(index=True)
    citizen_id = UUID()
    platform = Varchar(length=8)
    serial = Varchar(length=64)
    pass_id = Varchar(length=128)
    created_at = Timestamptz()
    withdrawn_at = Timestamptz(null=True, default=None)
