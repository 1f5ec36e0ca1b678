"""What we emit, read back by independent tools: zxing-cpp, Pillow, cwt, cbor2."""

from __future__ import annotations

import io
import time
import xml.etree.ElementTree as ET

import cbor2
import cwt
import PIL.Image
import pytest
import zxingcpp
from cwt import COSEKey

from citizen_code import IssuerKey, Status, b45decode, render_png, render_svg
from citizen_code._render import qr_version
from tests.citizen_code.world import CODE_ID, ISSUER, make_world

SCALE, BORDER = 4, 4


def decode_png(png: bytes) -> tuple[str, int, str]:
    """(text, QR version, ECC level) of the one QR code in a PNG, via Pillow + zxing-cpp."""
    image = PIL.Image.open(io.BytesIO(png))
    image.load()
    # zxing-cpp may report the one symbol twice (content-dependent, ~1 run in 10): every reading must
    # be the same code.
    readings = {(barcode.text, barcode.ec_level) for barcode in zxingcpp.read_barcodes(image)}
    assert len(readings) == 1, readings
    ((text, ec_level),) = readings
    modules = image.width // SCALE - 2 * BORDER
    return text, (modules - 17) // 4, ec_level


def test_zxing_reads_the_online_code_png_back_to_the_same_text() -> None:
    code = make_world().code()
    text, version, ecc = decode_png(render_png(code, scale=SCALE))
    assert text == code
    assert ecc == "M"
    assert version <= 12


def test_online_code_fits_qr_version_12_at_ecc_m() -> None:
    world = make_world()
    longest = world.code(issuer=ISSUER, subject="x" * 16, status=Status.RESTRICTED)
    assert qr_version(longest) <= 12


def test_zxing_reads_a_device_frame_png_and_it_fits_version_12() -> None:
    # 409 characters fit version 12 at ECC M only in alphanumeric mode (byte mode holds 287
    # bytes there), so this also proves the whole text went into one alphanumeric segment.
    frame = make_world().frame()
    assert len(frame) > 287
    text, version, ecc = decode_png(render_png(frame, scale=SCALE))
    assert text == frame
    assert (version, ecc) == (12, "M")


def test_png_is_one_bit_greyscale_with_a_quiet_zone() -> None:
    image = PIL.Image.open(io.BytesIO(render_png(make_world().code(), scale=SCALE)))
    assert image.mode == "1"
    assert image.width == image.height
    corner = image.crop((0, 0, BORDER * SCALE, BORDER * SCALE))
    assert corner.getextrema() == (255, 255)


def test_png_output_is_byte_stable() -> None:
    code = make_world().code(cti=b"\x00" * 8)
    assert render_png(code) == render_png(code)


def test_svg_is_well_formed_and_sized_in_modules() -> None:
    code = make_world().code()
    root = ET.fromstring(render_svg(code))  # noqa: S314 -- our own output, not untrusted
    size = 4 * qr_version(code) + 17 + 2 * BORDER
    assert root.get("viewBox") == f"0 0 {size} {size}"
    assert root.find("{http://www.w3.org/2000/svg}path") is not None


@pytest.mark.parametrize("render", [render_png, render_svg])
def test_rendering_refuses_text_outside_the_alphanumeric_set(render: object) -> None:
    with pytest.raises(ValueError, match="represented"):
        render("sq1:lowercase")  # type: ignore[operator]


def test_cwt_verifies_an_online_code_with_the_trust_list_key() -> None:
    world = make_world(now=int(time.time()))  # cwt checks exp against the real clock
    code = world.code(status=Status.RESTRICTED)
    trusted = world.trust_list.find(world.ring.active.kid)
    assert trusted is not None
    key = COSEKey.from_pem(world.ring.active.public_pem(), alg="ES256", kid=trusted.kid)  # public part only
    claims = cwt.decode(b45decode(code[4:]), keys=[key])
    assert claims[1] == ISSUER
    assert claims[2] == CODE_ID
    assert claims[-70002] == 1


def test_cwt_rejects_an_online_code_under_another_key() -> None:
    world = make_world(now=int(time.time()))
    stranger = COSEKey.from_pem(IssuerKey.generate().public_pem(), alg="ES256", kid=world.ring.active.kid)
    with pytest.raises(cwt.VerifyError):
        cwt.decode(b45decode(world.code()[4:]), keys=[stranger])


def test_cbor2_reads_every_layer_of_a_frame() -> None:
    world = make_world()
    outer = cbor2.loads(b45decode(world.frame(nonce=b"\x01\x02\x03\x04")[4:]))
    assert outer.tag == 18
    protected, unprotected, payload, signature = outer.value
    assert cbor2.loads(protected) == {1: -7}
    assert unprotected == {}
    assert len(signature) == 64
    claims = cbor2.loads(payload)
    assert claims[6] == world.now
    assert claims[7] == b"\x01\x02\x03\x04"
    credential = cbor2.loads(claims[-70001])
    assert credential.tag == 18
    credential_claims = cbor2.loads(credential.value[2])
    assert credential_claims[2] == CODE_ID
    cose_key = credential_claims[8][1]
    assert (cose_key[1], cose_key[-1], len(cose_key[-2])) == (2, 1, 32)
    assert isinstance(cose_key[-3], bool)
