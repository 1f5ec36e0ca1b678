"""Every notice template the app's features declare (``Feature(notices=...)``), with this deployment's
platform template ids (``SUQIAN_NOTIFICATION_WECHAT_TEMPLATE_IDS``) in place of the declared ones."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from backend.notices import Template
from backend.notification.errors import TemplateNotFound
from backend.notification.settings import NotificationSettings


class TemplateRegistry:
    def __init__(self, templates: Iterable[Template], settings: NotificationSettings) -> None:
        self._templates: dict[str, Template] = {}
        for template in templates:
            if template.code in self._templates:
                raise ValueError(f"notice template {template.code} is declared twice")
            self._templates[template.code] = _configured(template, settings)

    def get(self, code: str) -> Template:
        template = self._templates.get(code)
        if template is None:
            raise TemplateNotFound()
        return template

    def all(self) -> Sequence[Template]:
        return list(self._templates.values())

    def categories(self) -> list[str]:
        return sorted({t.category for t in self._templates.values()})


def _configured(template: Template, settings: NotificationSettings) -> Template:
    changes: dict[str, object] = {}
    wechat_id = settings.wechat_template_ids.get(template.code)
    if template.wechat is not None and wechat_id:
        changes["wechat"] = dataclasses.replace(template.wechat, template_id=wechat_id)
    alipay_id = settings.alipay_template_ids.get(template.code)
    if template.alipay is not None and alipay_id:
        changes["alipay"] = dataclasses.replace(template.alipay, template_id=alipay_id)
    return dataclasses.replace(template, **changes) if changes else template  # type: ignore[arg-type]
