"""An organisation pays its bills and reads its inbox through the people acting for it, over HTTP on
PostgreSQL: an agent authorised to pay links the organisation's utility account and pays a bill (the
agent at the cashier, the organisation the order's owner, both named in the audit); an agent without
``pay`` is refused; the receipt lands in the organisation's inbox, which any of its agents reads when
acting for it and nobody sees in their own; an organisation's notice is never pushed, and says so."""

from __future__ import annotations

import secrets
import uuid

import httpx

from backend.application.notices import STATUS_CHANGED
from backend.audit.repository import AuditRepository
from backend.database import transaction
from backend.datarights.service import DataRightsService
from backend.notification.sender import ORGANISATION_SKIPPED, Sender
from backend.notification.service import NotificationService
from backend.utility.notices import BILL_PAID
from tests.backend.notification.conftest import job_of, sms_twin, status_data, wechat_twin
from tests.backend.organisation.factories import acting, authorise, bearer, claimed
from tests.backend.payment.factories import buyer_pays, deliver, last_notification, payments, tell_owners
from tests.miniprogram_api.sandbox_users import bound_on_wechat
from tests.services import Services


async def _water_account(client: httpx.AsyncClient) -> str:
    """A water account at the utility's twin with one unpaid bill; its number."""
    account_no = f"SW{secrets.randbelow(10**10):010d}"
    added = await client.post(
        "/_sandbox/utility/accounts",
        json={
            "kind": "water", "account_no": account_no, "holder": "宿迁某某有限公司", "address": "宿迁市",
            "bills": [{"period": "2026-11", "amount_fen": 23456}],
        },
    )  # fmt: skip
    assert added.status_code == 201, added.text
    return account_no


async def test_an_agent_authorised_to_pay_pays_the_organisations_bill_and_reads_its_receipt(
    services: Services, client: httpx.AsyncClient
) -> None:
    _, representative, organisation_id = await claimed(client)
    payer, _ = await authorise(client, representative, organisation_id, "pay")
    applicant, _ = await authorise(client, representative, organisation_id, "apply")
    # The agent pays in the WeChat mini program as their own WeChat user: an organisation has none.
    await bound_on_wechat(client, payer["_person"])
    as_org = await acting(client, payer, organisation_id)
    own = bearer(payer["tokens"]["access_token"])

    account_no = await _water_account(client)
    linked = await client.post(
        "/api/v1/utilities/accounts", json={"kind": "water", "account_no": account_no}, headers=as_org
    )
    assert linked.status_code == 201, linked.text
    account_id = linked.json()["id"]
    assert [
        a["id"] for a in (await client.get("/api/v1/utilities/accounts", headers=as_org)).json()["items"]
    ] == [account_id]
    # The organisation's account is not the person's.
    assert (await client.get("/api/v1/utilities/accounts", headers=own)).json()["items"] == []
    mine = await client.get(f"/api/v1/utilities/accounts/{account_id}/bills", headers=own)
    assert (mine.status_code, mine.json()["code"]) == (404, "utility.account_not_found")

    bills = (await client.get(f"/api/v1/utilities/accounts/{account_id}/bills", headers=as_org)).json()
    bill = bills["items"][0]
    started = await client.post(
        f"/api/v1/utilities/accounts/{account_id}/payments",
        json={"bill_no": bill["bill_no"], "channel": "wechat_jsapi"},
        headers=as_org,
    )
    assert started.status_code == 201, started.text
    order_id = started.json()["payment"]["order_id"]
    order = await payments(services).get(uuid.UUID(order_id))
    assert order.citizen_id == uuid.UUID(organisation_id)
    # The cashier's payer is the agent's WeChat user (an organisation has none), named by the agent.
    assert order.payer
    assert order.payer_citizen_id == uuid.UUID(payer["citizen"]["id"])
    await buyer_pays(client, order.out_trade_no)
    assert (await deliver(client, last_notification(services))).status_code == 204
    await tell_owners(services)

    orders = (await client.get("/api/v1/payments/orders", headers=as_org)).json()["items"]
    assert [(o["id"], o["status"]) for o in orders] == [(order_id, "paid")]
    seen = await client.get(f"/api/v1/payments/orders/{order_id}", headers=as_org)
    assert (seen.status_code, seen.json()["amount_fen"]) == (200, 23456)
    queried = await client.post(f"/api/v1/payments/orders/{order_id}/query", headers=as_org)
    assert (queried.status_code, queried.json()["status"]) == (200, "paid")
    assert (await client.get(f"/api/v1/payments/orders/{order_id}", headers=own)).status_code == 404
    assert (await client.get("/api/v1/payments/orders", headers=own)).json()["items"] == []
    receipt = await client.get(
        f"/api/v1/utilities/payments/{started.json()['payment']['id']}", headers=as_org
    )
    assert (receipt.status_code, receipt.json()["status"]) == (200, "settled")

    # What the agent did names them and the organisation.
    actor = f"citizen:{payer['citizen']['id']}@organisation:{organisation_id}"
    records = await AuditRepository(services.engine).scan("payment", after_seq=0, limit=100_000)
    done = {
        (r.action, r.actor)
        for r in records
        if r.subject in (f"utility_account:{account_id}", f"order:{order_id}")
    }
    assert {("utility.account_linked", actor), ("payment.order_created", actor)} <= done

    # An agent without ``pay`` reaches none of it, whatever route.
    as_applicant = await acting(client, applicant, organisation_id)
    for method, path in (
        ("GET", "/api/v1/utilities/accounts"),
        ("GET", f"/api/v1/utilities/accounts/{account_id}/bills"),
        ("GET", "/api/v1/payments/orders"),
        ("GET", f"/api/v1/payments/orders/{order_id}"),
    ):
        refused = await client.request(method, path, headers=as_applicant)
        assert (refused.status_code, refused.json()["code"]) == (403, "auth.acting_out_of_scope"), path

    # The receipt is the organisation's: in its inbox for any of its agents acting for it (the inbox
    # admits every agent scope), in neither agent's own.
    inbox = (await client.get("/api/v1/notifications", headers=as_org)).json()["items"]
    assert [m["template"] for m in inbox] == [BILL_PAID.code]
    message_id = inbox[0]["id"]
    assert account_no in inbox[0]["body"]
    assert "234.56" in inbox[0]["body"]
    applicants_view = (await client.get("/api/v1/notifications", headers=as_applicant)).json()["items"]
    assert [m["id"] for m in applicants_view] == [message_id]
    for person in (payer, applicant):
        theirs = bearer(person["tokens"]["access_token"])
        assert (await client.get("/api/v1/notifications", headers=theirs)).json()["items"] == []
        stranger = await client.get(f"/api/v1/notifications/{message_id}", headers=theirs)
        assert (stranger.status_code, stranger.json()["code"]) == (404, "notification.not_found")
    read = await client.post(f"/api/v1/notifications/{message_id}/read", headers=as_applicant)
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    # Preferences and subscriptions are the person's own (their WeChat user, their phone).
    refused = await client.get("/api/v1/notifications/preferences", headers=as_org)
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.acting_not_admitted")

    # The agent closes their account: the organisation's order stays (a financial record), without
    # the agent's WeChat id.
    await services.wiring.get(DataRightsService).finish_closure(uuid.UUID(payer["citizen"]["id"]))
    kept = await payments(services).get(uuid.UUID(order_id))
    assert (kept.citizen_id, kept.status, kept.payer) == (uuid.UUID(organisation_id), "paid", "")


async def test_an_organisations_notice_is_kept_in_its_inbox_and_never_pushed(
    services: Services, client: httpx.AsyncClient
) -> None:
    representative_citizen, representative, organisation_id = await claimed(client)
    # The representative could be reached on WeChat: the notice is still not theirs to receive.
    await bound_on_wechat(client, representative_citizen["_person"])
    notifications = services.wiring.get(NotificationService)
    key = f"application:{uuid.uuid4()}:event:1"
    # As the application feature tells an organisation that its application moved.
    async with transaction(services.engine):
        assert await notifications.notify(
            uuid.UUID(organisation_id), template=STATUS_CHANGED, data=status_data(), key=key
        )
    pushed_before = (len(wechat_twin(services).sent), len(sms_twin(services).outbox))
    job = await job_of(services, key)
    sender = services.wiring.get(Sender)
    await sender.send(job)  # no RetryLater, no GiveUp: done
    await sender.send(job)  # a repeated job leaves it alone
    assert (len(wechat_twin(services).sent), len(sms_twin(services).outbox)) == pushed_before
    message = await notifications.find_by_key(key)
    assert message is not None
    assert (message.state, message.channel, message.reason) == ("skipped", None, ORGANISATION_SKIPPED)
    as_representative = await acting(client, representative_citizen, organisation_id)
    inbox = (await client.get("/api/v1/notifications", headers=as_representative)).json()["items"]
    assert [(m["id"], m["state"], m["reason"]) for m in inbox] == [
        (str(message.id), "skipped", ORGANISATION_SKIPPED)
    ]
    assert (await client.get("/api/v1/notifications", headers=representative)).json()["items"] == []
