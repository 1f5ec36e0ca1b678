"""支付宝卡包 (alipass): templates and passes over the gateway.

``alipay.pass.template.add`` makes a template whose ``tpl_content`` (the pass.json layout) holds
``$name$`` variables; ``alipay.pass.instance.add`` issues a pass of it to one user with values
for every variable; ``alipay.pass.instance.update`` changes its values or its status (``CLOSED``
withdraws it from the user's card pack). Each answer carries ``result``, a JSON *string*.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import msgspec

from integrations.alipay._gateway import AlipayAdapter
from integrations.errors import UpstreamMalformed

TEMPLATE_ADD = "alipay.pass.template.add"
INSTANCE_ADD = "alipay.pass.instance.add"
INSTANCE_UPDATE = "alipay.pass.instance.update"
BY_USER_ID = "2"  # recognition_type: issue to a user id (the uid 发券 flow); "1" is by order

PassStatus = Literal["CLOSED", "USED"]
T = TypeVar("T")


class _Node(msgspec.Struct):
    result: str
    success: str | bool = True


class _TemplateResult(msgspec.Struct):
    tpl_id: str
    tpl_params: list[str] = []


class _InstanceResult(msgspec.Struct, rename={"serial_number": "serialNumber", "pass_id": "passId"}):
    serial_number: str
    pass_id: str
    operation: str = ""


@dataclass(frozen=True, slots=True)
class AlipayPassTemplate:
    """A created template: its id and the variable names every pass of it must be given."""

    tpl_id: str
    tpl_params: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AlipayPass:
    """One pass in one user's card pack: our ``serial_number``, Alipay's ``pass_id``."""

    serial_number: str
    pass_id: str


class AlipayPasses(AlipayAdapter):
    """Templates and passes of one app's 卡包 integration (``alipay.pass.*``).

    Args: as :class:`~integrations.alipay.AlipayGateway`; ``options`` go to the core client.
    Issuing and updating are keyed by the pass's serial number (unique per app, refused when
    repeated), so a retried issue cannot put two passes in the pack: both are retried on
    unavailability. Template creation is keyed by ``unique_id`` likewise.
    """

    async def add_template(self, *, unique_id: str, tpl_content: Mapping[str, Any]) -> AlipayPassTemplate:
        """Create a template; ``tpl_content`` is ``{"logo", "content": {pass.json}, ...}``.

        Raises:
            UpstreamRejected: the refusal's ``sub_code``.
            UpstreamMalformed: an answer without a readable ``result``.
        """
        biz = {"unique_id": unique_id, "tpl_content": msgspec.json.encode(tpl_content).decode()}
        result = await self._call(TEMPLATE_ADD, biz, _TemplateResult)
        return AlipayPassTemplate(tpl_id=result.tpl_id, tpl_params=tuple(result.tpl_params))

    async def add_instance(self, *, tpl_id: str, tpl_params: Mapping[str, str], user_id: str) -> AlipayPass:
        """Issue a pass of ``tpl_id`` to ``user_id`` (``2088...``, or an app's ``open_id``) with a
        value per variable.

        Raises:
            UpstreamRejected: e.g. a missing template variable, a repeated serial number.
        """
        biz = {
            "tpl_id": tpl_id,
            "tpl_params": msgspec.json.encode(dict(tpl_params)).decode(),
            "recognition_type": BY_USER_ID,
            # Apps created since Alipay's OpenID migration know their users by ``open_id`` only.
            "recognition_info": msgspec.json.encode(
                {"user_id": user_id} if user_id.startswith("2088") else {"open_id": user_id}
            ).decode(),
        }
        result = await self._call(INSTANCE_ADD, biz, _InstanceResult)
        return AlipayPass(serial_number=result.serial_number, pass_id=result.pass_id)

    async def update_instance(
        self,
        *,
        serial_number: str,
        channel_id: str,
        status: PassStatus | None = None,
        tpl_params: Mapping[str, str] | None = None,
    ) -> AlipayPass:
        """Change a pass: ``status="CLOSED"`` withdraws it, ``tpl_params`` re-render it."""
        biz: dict[str, str] = {"serial_number": serial_number, "channel_id": channel_id}
        if status is not None:
            biz["status"] = status
        if tpl_params is not None:
            biz["tpl_params"] = msgspec.json.encode(dict(tpl_params)).decode()
        result = await self._call(INSTANCE_UPDATE, biz, _InstanceResult)
        return AlipayPass(serial_number=result.serial_number, pass_id=result.pass_id)

    async def _call(self, method: str, biz: dict[str, str], result_type: type[T]) -> T:
        node = await self.gateway.execute(method, biz_content=biz, response_type=_Node, idempotent=True)
        if node.success not in (True, "true"):
            raise self._malformed(method, "success is not true")
        try:
            return msgspec.json.decode(node.result, type=result_type)
        except msgspec.DecodeError as exc:
            raise self._malformed(method, f"result: {exc}") from None

    def _malformed(self, method: str, detail: str) -> UpstreamMalformed:
        return UpstreamMalformed(system=self.gateway.client.system, operation=method, detail=detail)
