#!/usr/bin/env bash
# From nothing to a verified citizen code, over HTTP, against a running API (./scripts/run.sh):
# register a sandbox resident, fetch their code, register a gate scanner as the operator, verify the
# code online, then verify a fresh one offline with only the published trust list.
#
#   ADMIN_PASSWORD=<printed by run.sh at first start> ./scripts/demo.sh [http://127.0.0.1:8000]
#
# The operator signs in with two factors: the first run enrols an authenticator and prints its secret;
# later runs need it back as ADMIN_TOTP_SECRET=... (or scan the printed otpauth secret into an app).
set -euo pipefail
BASE=${1:-http://127.0.0.1:8000}
: "${ADMIN_PASSWORD:?set ADMIN_PASSWORD to the operator password run.sh printed at first start}"
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
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

echo "1. A new resident in the population-registry sandbox: a fresh valid ID number (GB 11643) and phone"
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

echo "2. Real-name registration: an SMS code (read from the SMS sandbox's outbox), then register"
echo "   (population registry: name + ID number; operators: the phone is registered to this person)"
post /api/v1/auth/sms-codes "{\"phone\": \"$phone\", \"purpose\": \"register\"}" >/dev/null
sms_code=$(curl -sS -f "$BASE/_sandbox/sms/outbox?phone=$phone" \
    | json '__import__("re").search(r"[0-9]{6}", d[-1]["text"]).group(0)')
registered=$(post /api/v1/auth/register "{\"phone\": \"$phone\", \"sms_code\": \"$sms_code\", \
\"name\": \"$name\", \"id_number\": \"$id_number\", \"password\": \"correct horse battery\"}")
citizen_token=$(echo "$registered" | json 'd["tokens"]["access_token"]')
echo "   /me: $(curl -sS -f "$BASE/api/v1/me" -H "authorization: Bearer $citizen_token")"

echo "3. The citizen's code (60 s; the app refreshes it every 20 s)"
code=$(curl -sS -f "$BASE/api/v1/citizen-code" -H "authorization: Bearer $citizen_token" | json 'd["code"]')
echo "   ${code:0:48}..."

echo "4. The operator signs in with two factors (enrolling an authenticator at the first sign-in: the"
echo "   secret is shown once; this script computes the codes an authenticator app would show), then"
echo "   registers a library gate scanner; the scanner exchanges its credential for a token"
login=$(post /api/v1/staff/token "{\"username\": \"admin\", \"password\": \"$ADMIN_PASSWORD\"}")
case $(echo "$login" | json 'd["status"]') in
setup_required)  # the first sign-in: enrol an authenticator, confirmed by its first code
    setup=$(echo "$login" | json 'd["access_token"]')
    if [ "$(echo "$login" | json '"password_change" in d["required"]')" = True ]; then
        # A configured SUQIAN_BOOTSTRAP_ADMIN_PASSWORD is changed at the first sign-in (a printed one need not).
        new_password="demo-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
        post /api/v1/staff/me/password "{\"current_password\": \"$ADMIN_PASSWORD\", \"new_password\": \"$new_password\"}" \
            -H "authorization: Bearer $setup" >/dev/null
        echo "   the configured password is changed; keep for the next run: ADMIN_PASSWORD=$new_password"
    fi
    ADMIN_TOTP_SECRET=$(post /api/v1/staff/me/second-factor/totp '{}' -H "authorization: Bearer $setup" \
        | json 'd["secret"]')
    confirmed=$(post /api/v1/staff/me/second-factor/totp/confirm "{\"code\": \"$(totp "$ADMIN_TOTP_SECRET")\"}" \
        -H "authorization: Bearer $setup")
    echo "   enrolled; keep for the next run: ADMIN_TOTP_SECRET=$ADMIN_TOTP_SECRET"
    echo "   recovery codes (each works once): $(echo "$confirmed" | json '" ".join(d["recovery_codes"][:2])') ..."
    operator=$(echo "$confirmed" | json 'd["session"]["access_token"]')
    ;;
second_factor_required)  # enrolled by an earlier run: the authenticator's code
    : "${ADMIN_TOTP_SECRET:?the operator enrolled an authenticator: set ADMIN_TOTP_SECRET (printed by the first run)}"
    challenge=$(echo "$login" | json 'd["challenge"]')
    # A code counts once: a run within 30 s of the last one uses the next step's (accepted, +-1 step).
    answer=$(curl -sS -X POST "$BASE/api/v1/staff/token/second-factor" -H 'content-type: application/json' \
        -d "{\"challenge\": \"$challenge\", \"code\": \"$(totp "$ADMIN_TOTP_SECRET")\"}")
    if ! echo "$answer" | grep -q access_token; then
        answer=$(post /api/v1/staff/token/second-factor \
            "{\"challenge\": \"$challenge\", \"code\": \"$(totp "$ADMIN_TOTP_SECRET" 1)\"}")
    fi
    operator=$(echo "$answer" | json 'd["access_token"]')
    ;;
*) operator=$(echo "$login" | json 'd["access_token"]') ;;  # no second factor required
esac
scanner=$(post /api/v1/admin/scanners '{"scene": "library", "venue": "宿迁市图书馆 1F"}' -H "authorization: Bearer $operator")
device_id=$(echo "$scanner" | json 'd["device"]["id"]'); credential=$(echo "$scanner" | json 'd["credential"]')
device_token=$(post /api/v1/scanner/token "{\"device_id\": \"$device_id\", \"credential\": \"$credential\"}" | json 'd["access_token"]')

echo "5. The gate verifies the code online — then the same code again (a screenshot)"
for attempt in first replay; do
    verdict=$(post /api/v1/scanner/verify "{\"code\": \"$code\"}" -H "authorization: Bearer $device_token")
    echo "   $attempt: $verdict"
done

echo "6. Offline: a fresh code verified with only the published trust list and its anchor key"
curl -sS -f "$BASE/.well-known/citizen-code/trust-list" -o "$work/trust-list.cose"
curl -sS -f "$BASE/.well-known/citizen-code/anchor" | json 'd["public_key_pem"]' > "$work/anchor.pem"
fresh=$(curl -sS -f "$BASE/api/v1/citizen-code" -H "authorization: Bearer $citizen_token" | json 'd["code"]')
uv run --no-sync python -m citizen_code verify --trust-list "$work/trust-list.cose" \
    --anchor-key "$work/anchor.pem" "$fresh"
