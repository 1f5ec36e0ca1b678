"""Tables of the citizen code. Key and revocation times are epoch seconds, as the ``citizen_code``
library and the trust list speak them; everything else is ``Timestamptz`` like the rest of the schema.
Uniqueness and lookup indexes are in the second migration."""

from piccolo.columns import UUID, BigInt, BigSerial, Bytea, Text, Timestamptz, Varchar
from piccolo.table import Table


class CodeKey(Table, tablename="code_key"):
    """A P-256 key: the trust anchor (``purpose`` "anchor") or an issuer key of the ring.

    The private key is PKCS#8 DER sealed with the data key (``backend.crypto``), bound to its ``kid``
    (hex, unique). An issuer key is staged (``activated_at`` null), active, or retired; a retired key
    is deleted once every code it signed has expired (``KeyRing.prune``).
    """

    kid = Varchar(length=16)
    purpose = Varchar(length=8)
    private_key = Text(secret=True)
    published_at = BigInt()
    activated_at = BigInt(null=True, default=None)
    retired_at = BigInt(null=True, default=None)


class CodeTrustList(Table, tablename="code_trust_list"):
    """Every trust list we signed, by ``seq`` (unique, increasing): workers serve the newest."""

    seq = BigInt()
    document = Bytea()
    issued_at = BigInt()
    expires_at = BigInt()


class CodeHolder(Table, tablename="code_holder"):
    """A citizen's random code id (the CWT subject; never the ID number), created on first use, and
    the status codes assert (``normal`` / ``restricted``)."""

    citizen_id = UUID(primary_key=True)
    code_id = Varchar(length=16)
    status = Varchar(length=16, default="normal")
    created_at = Timestamptz()


class CodeDevice(Table, tablename="code_device"):
    """A phone key a citizen registered; each registration (re)issues its holder credential.

    ``key_thumbprint`` is SHA-256 over the DER SubjectPublicKeyInfo (unique per citizen).
    """

    id = UUID(primary_key=True)
    citizen_id = UUID(index=True)
    key_thumbprint = Varchar(length=64)
    public_key = Bytea()
    label = Varchar(length=64)
    created_at = Timestamptz()
    credential_issued_at = Timestamptz()
    credential_expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


class CodeRevocation(Table, tablename="code_revocation"):
    """``(code_id, revoked_at)``: credentials of that code id issued before ``revoked_at`` are void.

    ``id`` is the delta feed's cursor; inserts are serialised (see the repository), so ids commit in
    order and a scanner resuming after an id never misses an entry.
    """

    id = BigSerial(primary_key=True)
    code_id = Varchar(length=16)
    revoked_at = BigInt()
    reason = Varchar(length=32)


class CodeScan(Table, tablename="code_scan"):
    """One scan an offline scanner uploaded, with the verdict the code had at ``scanned_at``.

    ``code_hash`` (SHA-256 of the text, unique per device) makes re-uploads harmless. ``replay_key``
    and ``credential`` are set only for codes whose signature verified: what makes a code single-use,
    and which holder credential a device frame embeds.
    """

    id = BigSerial(primary_key=True)
    device_id = UUID()
    scene = Varchar(length=32)
    venue = Varchar(length=128)
    code_hash = Varchar(length=64)
    code_id = Varchar(length=16, null=True, default=None)
    replay_key = Varchar(length=128, null=True, default=None)
    credential = Varchar(length=128, null=True, default=None)
    reason = Varchar(length=32)
    scanned_at = Timestamptz()
    uploaded_at = Timestamptz()


class CodeScanFlag(Table, tablename="code_scan_flag"):
    """A suspected clone: ``scan_id`` showed the same frame (``frame_reused``) or the same holder
    credential at another venue within minutes (``credential_cloned``) as ``other_scan_id``."""

    id = BigSerial(primary_key=True)
    kind = Varchar(length=32)
    code_id = Varchar(length=16)
    scan_id = BigInt()
    other_scan_id = BigInt()
    created_at = Timestamptz()
