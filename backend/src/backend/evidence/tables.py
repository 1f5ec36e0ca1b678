from piccolo.columns import UUID, BigInt, Date, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class EvidenceRoot(Table, tablename="evidence_root"):
    """One day of one audit chain, sealed: the entries ``first_seq..last_seq`` (those that occurred
    before the day's end, Beijing time, after the previous day's), their RFC 9162 Merkle root, the
    chain's head hash after them, and ``token``: the signed statement of all that (ES256 JWS).
    Unique per (chain, day): workers sealing at once insert one."""

    id = UUID(primary_key=True)
    chain = Varchar(length=32)
    day = Date()
    first_seq = BigInt()
    last_seq = BigInt()
    size = Integer()
    merkle_root = Varchar(length=64)
    head_hash = Varchar(length=64)
    token = Text()
    signed_at = Timestamptz()


class EvidenceKey(Table, tablename="evidence_key"):
    """The keys daily roots are signed with; the private half sealed with the data key (bound to its
    kid). One is made on first use; older ones stay published."""

    kid = Varchar(length=64, primary_key=True)
    private_key = Text(secret=True)
    public_jwk = Text()
    created_at = Timestamptz()
