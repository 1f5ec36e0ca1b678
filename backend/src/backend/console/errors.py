"""The console's own errors (every other answer is a feature's, through its service).

Forbidden (403)  CsrfInvalid   console.csrf_invalid
Invalid (422)    FormInvalid   console.form_invalid
"""

from __future__ import annotations

from backend.errors import Forbidden, Invalid


class CsrfInvalid(Forbidden):
    """A form posted without the token the console put in it: another site's page, or a form older
    than the session it is posted in (sign in again and resend)."""

    code = "console.csrf_invalid"
    detail = "The form's security token is missing or does not match this session: reload the page"


class FormInvalid(Invalid):
    code = "console.form_invalid"
    detail = "A field of the form is missing or not as expected"
