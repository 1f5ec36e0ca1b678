#!/usr/bin/env bash
# From nothing to a verified citizen code, over HTTP, against a running API (./scripts/run.sh):
# sign in as the operator and register a gate scanner, register a sandbox resident, fetch their code,
# verify it online, then verify a fresh one offline with only the published trust list.
#
#   ADMIN_PASSWORD=<printed by run.sh at first start> ./scripts/demo.sh [URL]
#
# URL: the API's base URL; by default http://127.0.0.1:$SUQIAN_PORT (8000 when SUQIAN_PORT is unset),
# the same variable the server reads. The operator signs in first, so a wrong password or a locked
# account is one line before anything is created.
# The operator signs in with two factors: the first run enrols an authenticator and prints its secret;
# later runs need it back as ADMIN_TOTP_SECRET=... (or scan the printed otpauth secret into an app).
set -euo pipefail
BASE=${1:-http://127.0.0.1:${SUQIAN_PORT:-8000}}
BASE=${BASE%/}
: "${ADMIN_PASSWORD:?set ADMIN_PASSWORD to the operator password run.sh printed at first start}"
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
die() { echo "demo.sh: $*" >&2; exit 1; }
# RFC 6238 (SHA-1, 6 digits, 30 s), what an authenticator app shows for a base32 secret; $2 steps ahead.
totp() {
    python3 - "$1" "${2:-0}" <<'PY'
import base64, hashlib, hmac, struct, sys, time
key = base64.b32decode(sys.argv[1] + "=" * (-len(sys.argv[1]) % 8))
mac = hmac.digest(key, struct.pack(">Q", int(time.time()) // 30 + int(sys.argv[2])), hashlib.sha1)
value = struct.unpack(">I", mac[(mac[-1] & 15):(mac[-1] & 15) + 4])[0] & 0x7FFFFFFF
print(f"{value % 10**6:06d}")
PY
}
post() { curl -sS -f -X POST "$BASE$1" -H 'content-type: application/json' "${@:3}" -d "$2"; }
# POST without failing: the body goes to $work/answer.json, the headers to $work/headers; prints the status.
attempt() {
    curl -sS -o "$work/answer.json" -D "$work/headers" -w '%{http_code}' -X POST "$BASE$1" \
        -H 'content-type: application/json' "${@:3}" -d "$2" 2>/dev/null \
        || die "no API answers at $BASE: start it (./scripts/run.sh), or give its URL / SUQIAN_PORT"
}
problem() { json 'd.get("code", "?") + ": " + d.get("detail", "")' <"$work/answer.json" 2>/dev/null || echo "?"; }
minutes() {  # the answer's Retry-After, in whole minutes (at least 1)
    python3 - "$work/headers" <<'PY'
import math, re, sys
found = re.search(r"(?im)^retry-after:\s*(\d+)", open(sys.argv[1]).read())
print(max(1, math.ceil(int(found.group(1)) / 60)) if found else "some")
PY
}
locked() {
    die "the operator 'admin' is locked for $(minutes) min after failed sign-ins: wait, or stop the server and run \`uv run suqian staff unlock admin\`"
}

status=$(attempt /api/v1/staff/token "{\"username\": \"admin\", \"password\": \"$ADMIN_PASSWORD\"}")
case $status in
200) login=$(cat "$work/answer.json") ;;
401) die "wrong operator password (ADMIN_PASSWORD) for $BASE; lost it? stop the server and run \`uv run suqian staff reset-password admin\`" ;;
429) locked ;;
*) die "the operator sign-in failed: $(problem)" ;;
esac
echo "1. The operator signs in with two factors (enrolling an authenticator at the first sign-in: the"
echo "   secret is shown once; this script computes the codes an authenticator app would show), then"
echo "   registers a library gate scanner; the scanner exchanges its credential for a token"
signed=$login
if [ "$(echo "$login" | json 'd["status"]')" = second_factor_required ]; then  # enrolled by an earlier run
    : "${ADMIN_TOTP_SECRET:?the operator enrolled an authenticator: set ADMIN_TOTP_SECRET (printed by the first run)}"
    challenge=$(echo "$login" | json 'd["challenge"]')
    # A code counts once: a run within 30 s of the last one uses the next step's (accepted, +-1 step).
    status=$(attempt /api/v1/staff/token/second-factor \
        "{\"challenge\": \"$challenge\", \"code\": \"$(totp "$ADMIN_TOTP_SECRET")\"}")
    if [ "$status" != 200 ]; then
        status=$(attempt /api/v1/staff/token/second-factor \
            "{\"challenge\": \"$challenge\", \"code\": \"$(totp "$ADMIN_TOTP_SECRET" 1)\"}")
    fi
    case $status in
    200) signed=$(cat "$work/answer.json") ;;
    429) locked ;;
    403) die "authenticator codes are locked for 'admin' after wrong codes: stop the server and run \`uv run suqian staff unlock admin\`" ;;
    *) die "the authenticator code was refused ($(problem)): is ADMIN_TOTP_SECRET the secret the first run printed?" ;;
    esac
fi
if [ "$(echo "$signed" | json 'd["status"]')" = setup_required ]; then
    # Owed before a session: a password change (a configured or reset password; a printed bootstrap one
    # need not), an authenticator (the first sign-in: enrolled, confirmed by its first code), or both.
    setup=$(echo "$signed" | json 'd["access_token"]')
    if [ "$(echo "$signed" | json '"password_change" in d["required"]')" = True ]; then
        new_password="demo-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
        changed=$(post /api/v1/staff/me/password "{\"current_password\": \"$ADMIN_PASSWORD\", \"new_password\": \"$new_password\"}" \
            -H "authorization: Bearer $setup")
        echo "   the password is changed; keep for the next run: ADMIN_PASSWORD=$new_password"
        operator=$(echo "$changed" | json '(d.get("session") or {}).get("access_token", "")')
    fi
    if [ "$(echo "$signed" | json '"second_factor_enrolment" in d["required"]')" = True ]; then
        ADMIN_TOTP_SECRET=$(post /api/v1/staff/me/second-factor/totp '{}' -H "authorization: Bearer $setup" \
            | json 'd["secret"]')
        confirmed=$(post /api/v1/staff/me/second-factor/totp/confirm "{\"code\": \"$(totp "$ADMIN_TOTP_SECRET")\"}" \
            -H "authorization: Bearer $setup")
        echo "   enrolled; keep for the next run: ADMIN_TOTP_SECRET=$ADMIN_TOTP_SECRET"
        echo "   recovery codes (each works once): $(echo "$confirmed" | json '" ".join(d["recovery_codes"][:2])') ..."
        operator=$(echo "$confirmed" | json 'd["session"]["access_token"]')
    fi
else
    operator=$(echo "$signed" | json 'd["access_token"]')
fi
scanner=$(post /api/v1/admin/scanners '{"scene": "library", "venue": "宿迁市图书馆 1F"}' -H "authorization: Bearer $operator")
device_id=$(echo "$scanner" | json 'd["device"]["id"]'); credential=$(echo "$scanner" | json 'd["credential"]')
device_token=$(post /api/v1/scanner/token "{\"device_id\": \"$device_id\", \"credential\": \"$credential\"}" | json 'd["access_token"]')
echo "   scanner $device_id registered"

echo "2. A new resident in the population-registry sandbox: a fresh valid ID number (GB 11643) and phone"
echo "   (the sandbox registers the phone to them at the operators: the real-name check will match)"
read -r id_number phone < <(python3 - <<'PY'
import random
body = "32130219950520" + f"{random.randrange(1000):03d}"
weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
print(body + check, "139" + f"{random.randrange(10**8):08d}")
PY
)
name="宿小迁"
post /_sandbox/population/people "{\"name\": \"$name\", \"id_number\": \"$id_number\", \"phone\": \"$phone\"}" >/dev/null
echo "   $name $id_number $phone"

echo "3. Real-name registration: an SMS code (read from the SMS sandbox's outbox), then register"
echo "   (population registry: name + ID number; operators: the phone is registered to this person)"
post /api/v1/auth/sms-codes "{\"phone\": \"$phone\", \"purpose\": \"register\"}" >/dev/null
sms_code=$(curl -sS -f "$BASE/_sandbox/sms/outbox?phone=$phone" \
    | json '__import__("re").search(r"[0-9]{6}", d[-1]["text"]).group(0)')
registered=$(post /api/v1/auth/register "{\"phone\": \"$phone\", \"sms_code\": \"$sms_code\", \
\"name\": \"$name\", \"id_number\": \"$id_number\", \"password\": \"correct horse battery\"}")
citizen_token=$(echo "$registered" | json 'd["tokens"]["access_token"]')
echo "   /me: $(curl -sS -f "$BASE/api/v1/me" -H "authorization: Bearer $citizen_token")"

echo "4. The citizen's code (60 s; the app refreshes it every 20 s)"
code=$(curl -sS -f "$BASE/api/v1/citizen-code" -H "authorization: Bearer $citizen_token" | json 'd["code"]')
echo "   ${code:0:48}..."

echo "5. The gate verifies the code online — then the same code again (a screenshot)"
for scan in first replay; do
    verdict=$(post /api/v1/scanner/verify "{\"code\": \"$code\"}" -H "authorization: Bearer $device_token")
    echo "   $scan: $verdict"
done

echo "6. Offline: a fresh code verified with only the published trust list and its anchor key"
echo "   (saved once with \`uv run python -m citizen_code fetch $BASE\`: trust-list.cose and anchor.pem)"
uv run --no-sync python -m citizen_code fetch "$BASE" --out "$work" >/dev/null
fresh=$(curl -sS -f "$BASE/api/v1/citizen-code" -H "authorization: Bearer $citizen_token" | json 'd["code"]')
uv run --no-sync python -m citizen_code verify --trust-list "$work/trust-list.cose" \
    --anchor-key "$work/anchor.pem" "$fresh"
