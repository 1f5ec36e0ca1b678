from piccolo.columns import UUID, BigInt, Text, Timestamptz, Varchar
from piccolo.table import Table


class SigningKey(Table, tablename="auth_signing_key"):
    """An ES256 key that signs access tokens during one ``generation`` (a rotation period).

    ``generation`` and ``kid`` are unique (see the migration), so workers racing to create the next
    key agree on one. The private key is sealed with the data key (``backend.crypto``), bound to its
    ``kid``; the public half is the JWK we publish.
    """

    kid = Varchar(length=64)
    generation = BigInt()
    public_jwk = Text()
    private_key = Text(secret=True)
    created_at = Timestamptz()


class RefreshToken(Table, tablename="auth_refresh_token"):
    """One opaque refresh token (only its SHA-256 is kept) in a rotation ``family`` (a session).

    Using a token sets ``rotated_at`` and issues its successor in the same family; presenting a token
    whose ``rotated_at`` is set again is replay, and revokes the whole family (RFC 9700 §4.14.2).

    What the holder's session list shows rides along on every row: when the family started, and the
    masked client address and user agent of the login or refresh that issued this token
    (``backend.auth.sessions``); the newest live row of a family is its "last used".
    """

    family_id = Varchar(length=32, index=True)
    token_hash = Varchar(length=64, secret=True)
    principal_kind = Varchar(length=16)
    principal_id = UUID(index=True)
    scopes = Text()
    roles = Text()
    client_id = Varchar(length=64)
    issued_at = Timestamptz()
    expires_at = Timestamptz()
    family_expires_at = Timestamptz()
    rotated_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    started_at = Timestamptz(null=True, default=None)
    client = Varchar(length=64, default="")
    user_agent = Varchar(length=256, default="")
