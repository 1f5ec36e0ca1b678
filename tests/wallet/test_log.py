"""The disclosure log: every kind of tampering is caught and named by its first bad row."""

from __future__ import annotations

import dataclasses

import pytest

from tests.wallet.world import ISSUER, NOW, STRANGER
from wallet import DisclosureLog, LogEntry, LogEvent, chain_hash, export_log, load_log_export, verify_log
from wallet.errors import (
    BadSignature,
    LogExtended,
    LogHeadMismatch,
    LogOutOfOrder,
    LogRowAltered,
    LogTruncated,
    Malformed,
    WrongSubject,
)

SUB = "citizen-9f2c"


def _log(rows: int = 4) -> DisclosureLog:
    log = DisclosureLog()
    log.append(time=NOW, event=LogEvent.ISSUED, outcome="ok", licence_type="驾驶证")
    for i in range(1, rows):
        log.append(
            time=NOW + i,
            event=LogEvent.DISCLOSED if i % 2 else LogEvent.DECLINED,
            outcome="ok" if i % 2 else "citizen_declined",
            verifier_id=f"v-{i}",
            verifier_name="宿迁市车管所",
            purpose="驾驶证业务办理",
            licence_type="驾驶证",
            requested=[("name",), ("address", "locality"), ("endorsements", 0)],
            disclosed=[("name",)] if i % 2 else [],
        )
    return log


def _head(log: DisclosureLog) -> str:
    return log.sign_head(ISSUER, sub=SUB, iat=NOW + 100)


def _edited(entries: list[LogEntry], position: int) -> list[LogEntry]:
    changed = list(entries)
    row = dataclasses.replace(changed[position].row, purpose="something else")
    changed[position] = LogEntry(row, changed[position].row_hash)
    return changed


def test_verify_log_accepts_the_untouched_log_and_reports_its_head() -> None:
    log = _log()
    head = verify_log(log.entries, _head(log), ISSUER.public_key, sub=SUB)
    assert (head.sub, head.n, head.head, head.iat) == (SUB, 4, log.head, NOW + 100)
    assert verify_log([e.row for e in log.entries], _head(log), ISSUER.public_key).n == 4


def test_verify_log_names_the_edited_row() -> None:
    log = _log()
    with pytest.raises(LogRowAltered) as caught:
        verify_log(_edited(log.entries, 2), _head(log), ISSUER.public_key)
    assert (caught.value.seq, caught.value.code) == (3, "log_row_altered")


def test_verify_log_catches_an_edit_whose_hashes_were_all_rewritten() -> None:
    log = _log()
    rewritten = DisclosureLog()
    prev = bytes(32)
    for entry in _edited(log.entries, 1):
        prev = chain_hash(prev, entry.row)
        rewritten.entries.append(LogEntry(entry.row, prev))
    with pytest.raises(LogHeadMismatch):
        verify_log(rewritten.entries, _head(log), ISSUER.public_key)


def test_verify_log_names_a_deleted_row() -> None:
    log = _log()
    with pytest.raises(LogOutOfOrder) as caught:
        verify_log(log.entries[:1] + log.entries[2:], _head(log), ISSUER.public_key)
    assert caught.value.seq == 2


def test_verify_log_names_the_first_reordered_row() -> None:
    log = _log()
    entries = log.entries
    with pytest.raises(LogOutOfOrder) as caught:
        verify_log([entries[0], entries[2], entries[1], entries[3]], _head(log), ISSUER.public_key)
    assert caught.value.seq == 2


def test_verify_log_names_a_row_appended_after_the_head_was_signed() -> None:
    log = _log()
    head = _head(log)
    log.append(time=NOW + 200, event=LogEvent.REFUSED, outcome="verifier_not_registered")
    with pytest.raises(LogExtended) as caught:
        verify_log(log.entries, head, ISSUER.public_key)
    assert caught.value.seq == 5


def test_verify_log_names_rows_cut_from_the_end() -> None:
    log = _log()
    with pytest.raises(LogTruncated) as caught:
        verify_log(log.entries[:3], _head(log), ISSUER.public_key)
    assert caught.value.seq == 4


def test_verify_log_rejects_a_head_signed_by_another_key_or_for_another_citizen() -> None:
    log = _log()
    with pytest.raises(BadSignature):
        verify_log(log.entries, log.sign_head(STRANGER, sub=SUB, iat=NOW), ISSUER.public_key)
    with pytest.raises(WrongSubject):
        verify_log(log.entries, _head(log), ISSUER.public_key, sub="someone-else")


def test_log_export_round_trips_and_refuses_extra_members() -> None:
    log = _log()
    entries, head = load_log_export(export_log(log.entries, _head(log)))
    assert entries == log.entries
    assert verify_log(entries, head, ISSUER.public_key, sub=SUB).n == 4
    smuggled = export_log(log.entries, _head(log)).replace(
        b'"outcome"', '"value":"张三","outcome"'.encode(), 1
    )
    with pytest.raises(Malformed):
        load_log_export(smuggled)


def test_empty_log_has_the_genesis_head() -> None:
    log = DisclosureLog()
    assert verify_log([], _head(log), ISSUER.public_key).head == bytes(32)
