"""The notification feature's errors.

NotFound (404)   MessageNotFound        notification.not_found (also another citizen's)
NotFound (404)   TemplateNotFound       notification.template_not_found
Invalid (422)    PlatformNotOffered     notification.platform_not_offered
Invalid (422)    CategoryUnknown        notification.category_unknown
Conflict (409)   PlatformNotLinked      notification.platform_not_linked
"""

from __future__ import annotations

from backend.errors import Conflict, Invalid, NotFound


class MessageNotFound(NotFound):
    code = "notification.not_found"
    detail = "No such message"


class TemplateNotFound(NotFound):
    code = "notification.template_not_found"
    detail = "No such notice template"


class PlatformNotOffered(Invalid):
    """The template has no subscribe message on that platform: there is nothing to authorise."""

    code = "notification.platform_not_offered"
    detail = "This notice is not sent as a subscribe message on that platform"


class CategoryUnknown(Invalid):
    code = "notification.category_unknown"
    detail = "No notices of this category exist"

    def __init__(self, category: str) -> None:
        super().__init__(detail=f"No notices of category {category!r} exist", extra={"category": category})


class PlatformNotLinked(Conflict):
    """An authorisation is for the platform user the citizen is linked to; link one first."""

    code = "notification.platform_not_linked"
    detail = "Link your account on this platform before allowing its messages"
