"""Personal data at rest: sealed per column with fresh nonces, looked up by blind index only."""

from __future__ import annotations

import secrets

import httpx
import pytest

from backend.citizen.tables import Citizen
from backend.crypto import PersonalDataCipher, SealedValueCorrupt
from tests.backend.citizen.factories import register
from tests.services import Services


def _cipher() -> PersonalDataCipher:
    return PersonalDataCipher(data_key=secrets.token_bytes(32), index_key=secrets.token_bytes(32))


def test_sealing_twice_gives_different_ciphertexts_that_open_to_the_value() -> None:
    cipher = _cipher()
    first = cipher.seal("321302199001011234", column="citizen.id_number")
    second = cipher.seal("321302199001011234", column="citizen.id_number")
    assert first != second
    assert cipher.open(first, column="citizen.id_number") == "321302199001011234"


def test_ciphertext_moved_to_another_column_does_not_open() -> None:
    cipher = _cipher()
    sealed = cipher.seal("13805270001", column="citizen.phone")
    with pytest.raises(SealedValueCorrupt):
        cipher.open(sealed, column="citizen.id_number")


def test_edited_ciphertext_or_other_key_does_not_open() -> None:
    cipher = _cipher()
    sealed = cipher.seal("13805270001", column="citizen.phone")
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(SealedValueCorrupt):
        cipher.open(flipped, column="citizen.phone")
    with pytest.raises(SealedValueCorrupt):
        _cipher().open(sealed, column="citizen.phone")


def test_blind_index_is_stable_keyed_and_separate_per_column() -> None:
    cipher = _cipher()
    value = "13805270001"
    assert cipher.blind_index(value, column="citizen.phone") == cipher.blind_index(
        value, column="citizen.phone"
    )
    assert cipher.blind_index(value, column="citizen.phone") != cipher.blind_index(value, column="citizen.x")
    assert cipher.blind_index(value, column="citizen.phone") != _cipher().blind_index(
        value, column="citizen.phone"
    )


def test_equal_data_and_index_keys_are_refused() -> None:
    key = secrets.token_bytes(32)
    with pytest.raises(ValueError, match="differ"):
        PersonalDataCipher(data_key=key, index_key=key)


async def test_stored_citizen_row_holds_no_plaintext_personal_data(
    services: Services, web: httpx.AsyncClient
) -> None:
    registered = await register(web)
    person = registered["_person"]
    row = await Citizen.select().where(Citizen.id == registered["citizen"]["id"]).first()
    assert row is not None
    dump = repr(row)
    for secret in (person["id_number"], person["phone"], person["name"], registered["_password"]):
        assert secret not in dump
    assert row["phone_index"] == services.cipher.blind_index(person["phone"], column="citizen.phone")
    assert services.cipher.open(row["id_number_sealed"], column="citizen.id_number") == person["id_number"]
