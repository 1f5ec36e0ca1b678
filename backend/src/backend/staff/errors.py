"""The staff feature's errors. A wrong password or a throttled login is ``backend.auth.errors``'s
``InvalidCredentials`` / ``LoginThrottled``, the same answers citizen logins give.

NotFound (404)          StaffNotFound              staff.not_found
                        SessionNotFound            staff.session_not_found
Conflict (409)          UsernameTaken              staff.username_taken
                        LastOperator               staff.last_operator
                        NotOnYourself              staff.not_on_yourself
                        SecondFactorNotEnrolled    staff.second_factor_not_enrolled
                        EnrolmentNotStarted        staff.enrolment_not_started
Unauthenticated (401)   ChallengeInvalid           staff.challenge_invalid
                        SecondFactorInvalid        staff.second_factor_invalid
Forbidden (403)         CurrentPasswordWrong       staff.current_password_wrong
                        StepUpFailed               staff.step_up_failed
                        SecondFactorLocked         staff.second_factor_locked
                        ReauthenticationRequired   staff.reauthentication_required
Invalid (422)           PasswordRefused (the policy: backend.staff.password_policy)
                        ├── PasswordTooShort           staff.password_too_short
                        ├── PasswordContainsUsername   staff.password_contains_username
                        ├── PasswordTooCommon          staff.password_too_common
                        └── PasswordUnchanged          staff.password_unchanged
                        EnrolmentCodeWrong         staff.enrolment_code_wrong
                        SecondFactorProofInvalid   staff.second_factor_proof_invalid
"""

from __future__ import annotations

from backend.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated


class StaffNotFound(NotFound):
    code = "staff.not_found"
    detail = "No such staff account"


class SessionNotFound(NotFound):
    """A session id that is not one of this staff member's (ended ones end again without error)."""

    code = "staff.session_not_found"
    detail = "No such session"


class UsernameTaken(Conflict):
    code = "staff.username_taken"
    detail = "A staff account with this username exists"


class LastOperator(Conflict):
    """Disabling the last active operator would leave nobody able to administer the platform."""

    code = "staff.last_operator"
    detail = "The last active operator can't be disabled"


class NotOnYourself(Conflict):
    """Operators don't disable, reset or unlock their own account from the admin routes: a password
    change goes through ``/api/v1/staff/me/password`` (it needs the current password)."""

    code = "staff.not_on_yourself"
    detail = "An operator can't do this to their own account"


class SecondFactorNotEnrolled(Conflict):
    """Recovery codes are regenerated for an enrolled second factor only."""

    code = "staff.second_factor_not_enrolled"
    detail = "No second factor is enrolled"


class EnrolmentNotStarted(Conflict):
    """A confirmation without an enrolment in progress (never started, expired after
    ``StaffSettings.enrolment_ttl``, or confirmed already): start it again."""

    code = "staff.enrolment_not_started"
    detail = "No second-factor enrolment is in progress; start one"


class ChallengeInvalid(Unauthenticated):
    """The second-factor challenge is unknown, used, expired or out of attempts: log in again."""

    code = "staff.challenge_invalid"
    detail = "The sign-in challenge is not valid; log in again with your password"


class SecondFactorInvalid(Unauthenticated):
    """A wrong authenticator code, one already used (each is accepted once), or a wrong or used
    recovery code."""

    code = "staff.second_factor_invalid"
    detail = "The code is wrong or was already used"


class CurrentPasswordWrong(Forbidden):
    code = "staff.current_password_wrong"
    detail = "The current password is wrong"


class StepUpFailed(Forbidden):
    """Replacing the second factor or its recovery codes asks for a code of the enrolled one first:
    it was wrong or already used."""

    code = "staff.step_up_failed"
    detail = "The code of your enrolled second factor is wrong or was already used"


class SecondFactorLocked(Forbidden):
    """``StaffSettings.code_failure_limit`` wrong authenticator codes in a row: authenticator codes are
    refused until the member's password is changed or reset by an operator, or the factor is reset.
    Recovery codes still work."""

    code = "staff.second_factor_locked"
    detail = (
        "Too many wrong authenticator codes: use a recovery code, or ask an operator to reset your "
        "password or second factor"
    )


class ReauthenticationRequired(Forbidden):
    """Enrolling a first second factor from a session asks for the current password
    (``current_password``): a stolen access token alone must not enrol a factor of the thief's."""

    code = "staff.reauthentication_required"
    detail = "Send your current password (current_password) to enrol a second factor"


class PasswordRefused(Invalid):
    """A new staff password the policy refuses; the leaf names the rule."""


class PasswordTooShort(PasswordRefused):
    """A new staff password under ``StaffSettings.password_min_length`` (12) characters."""

    code = "staff.password_too_short"
    detail = "The staff password is too short"

    def __init__(self, *, min_length: int) -> None:
        super().__init__(detail=f"Staff passwords have at least {min_length} characters")
        self.min_length = min_length


class PasswordContainsUsername(PasswordRefused):
    code = "staff.password_contains_username"
    detail = "The password must not contain the username"


class PasswordTooCommon(PasswordRefused):
    """On the bundled list of common passwords (or one with digits or symbols around it), the
    service's name, a short run repeated, or a keyboard or alphabet run
    (``backend.staff.password_policy``)."""

    code = "staff.password_too_common"
    detail = "This password is too common or too easy to guess"


class PasswordUnchanged(PasswordRefused):
    """A new password equal to the current one: a password someone else set (or knows) must change."""

    code = "staff.password_unchanged"
    detail = "The new password must differ from the current one"


class EnrolmentCodeWrong(Invalid):
    """The first code does not match the secret being enrolled: check the authenticator's clock."""

    code = "staff.enrolment_code_wrong"
    detail = "The code does not match the new secret"


class SecondFactorProofInvalid(Invalid):
    """Exactly one of ``code`` (the authenticator's) and ``recovery_code`` proves the second factor."""

    code = "staff.second_factor_proof_invalid"
    detail = "Send exactly one of code and recovery_code"


# A code of the second factor checked at the login's second step, and as a step-up.
SECOND_STEP_ERRORS = (ChallengeInvalid, SecondFactorInvalid, SecondFactorProofInvalid, SecondFactorLocked)
STEP_UP_ERRORS = (StepUpFailed, SecondFactorProofInvalid, SecondFactorLocked)
