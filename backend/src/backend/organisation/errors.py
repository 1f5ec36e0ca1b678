"""The organisation feature's errors (acting-as refusals are the auth feature's: ``auth.acting_*``).

NotFound (404)      OrganisationNotFound     organisation.not_found (none, or not one the caller acts for)
                    NotRegistered            organisation.not_registered (the registry has no such code)
                    GrantNotFound            organisation.grant_not_found
Conflict (409)      AlreadyClaimed           organisation.already_claimed (another claim won a race)
                    NotActive                organisation.not_active (revoked or cancelled registration)
                    AlreadyAuthorised        organisation.already_authorised (the person holds a live grant)
Forbidden (403)     RepresentativeMismatch   organisation.representative_mismatch (never says which field)
                    NotRepresentative        organisation.not_representative
Invalid (422)       CreditCodeInvalid        organisation.credit_code_invalid (GB 32100 check failed)
                    GrantInvalid             organisation.grant_invalid (scopes or expiry)
                    AgentNotFound            organisation.agent_not_found (the body names no citizen: an
                                             input to correct, not a missing resource of the path)
Unavailable (503)   RegistryUnavailable      organisation.registry_unavailable
RateLimited (429)   AuthoriseRateLimited     organisation.authorise_rate_limited (too many failed
                                             authorisations: the answer says whether a citizen exists)
"""

from __future__ import annotations

from backend.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited, Unavailable


class OrganisationNotFound(NotFound):
    code = "organisation.not_found"
    detail = "You act for no such organisation"


class NotRegistered(NotFound):
    code = "organisation.not_registered"
    detail = "The legal-person registry has no organisation with this unified social credit code"


class AgentNotFound(Invalid):
    code = "organisation.agent_not_found"
    detail = "No registered citizen has this phone, name and ID number"


class GrantNotFound(NotFound):
    code = "organisation.grant_not_found"
    detail = "The organisation has no such authorisation"


class AlreadyClaimed(Conflict):
    code = "organisation.already_claimed"
    detail = "Another account claimed this organisation at the same moment; try again"


class NotActive(Conflict):
    code = "organisation.not_active"
    detail = "The organisation's registration is revoked or cancelled"


class AlreadyAuthorised(Conflict):
    code = "organisation.already_authorised"
    detail = "This person already holds a live authorisation; revoke it first"


class RepresentativeMismatch(Forbidden):
    code = "organisation.representative_mismatch"
    detail = "Your verified identity is not the organisation's legal representative in the registry"


class NotRepresentative(Forbidden):
    code = "organisation.not_representative"
    detail = "Only the organisation's legal representative may do this"


class CreditCodeInvalid(Invalid):
    code = "organisation.credit_code_invalid"
    detail = "Not a valid unified social credit code (GB 32100: 18 characters and a check character)"


class GrantInvalid(Invalid):
    code = "organisation.grant_invalid"
    detail = "An authorisation needs at least one known scope and an expiry in the future"


class RegistryUnavailable(Unavailable):
    code = "organisation.registry_unavailable"
    detail = "The legal-person registry cannot be reached; try again shortly"


class AuthoriseRateLimited(RateLimited):
    code = "organisation.authorise_rate_limited"
    detail = "Too many authorisations naming no registered citizen just now; try again later"
