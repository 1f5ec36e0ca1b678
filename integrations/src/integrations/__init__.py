"""Adapters to government and platform systems, with a sandbox twin of each.

The common core (this module) is what every adapter is built on: :class:`UpstreamClient`
with timeouts, retries, a circuit breaker, pluggable signing and an audit hook; the
error tree; masking and the GB 11643 ID-number validator. Adapters live in subpackages
(``integrations.population``...), the combined sandbox in ``integrations.sandbox``.
"""

from integrations.audit import AuditEvent, AuditHook, Outcome, log_audit_event
from integrations.breaker import BreakerPolicy, BreakerState, CircuitBreaker
from integrations.client import (
    ResponseClassifier,
    UpstreamClient,
    UpstreamResponse,
    classify_http_status,
)
from integrations.clock import Clock, ManualClock, RandomSource, SystemClock, make_nonce
from integrations.config import RetryPolicy, UpstreamConfig
from integrations.creditcode import credit_code_check_char, is_valid_credit_code
from integrations.errors import (
    CircuitOpen,
    IntegrationError,
    InvalidCreditCode,
    InvalidIdNumber,
    SignatureRejected,
    UpstreamError,
    UpstreamMalformed,
    UpstreamRejected,
    UpstreamUnavailable,
)
from integrations.idnumber import IdNumber, id_check_digit, is_valid_id_number, parse_id_number
from integrations.masking import mask_id_number, mask_name, mask_phone, redact
from integrations.signing import (
    HmacSigner,
    OutboundRequest,
    RequestSigner,
    VerifiedCallback,
    sign_callback,
    verify_callback,
    verify_signed_request,
)

__all__ = [
    "AuditEvent",
    "AuditHook",
    "BreakerPolicy",
    "BreakerState",
    "CircuitBreaker",
    "CircuitOpen",
    "Clock",
    "HmacSigner",
    "IdNumber",
    "IntegrationError",
    "InvalidCreditCode",
    "InvalidIdNumber",
    "ManualClock",
    "OutboundRequest",
    "Outcome",
    "RandomSource",
    "RequestSigner",
    "ResponseClassifier",
    "RetryPolicy",
    "SignatureRejected",
    "SystemClock",
    "UpstreamClient",
    "UpstreamConfig",
    "UpstreamError",
    "UpstreamMalformed",
    "UpstreamRejected",
    "UpstreamResponse",
    "UpstreamUnavailable",
    "VerifiedCallback",
    "classify_http_status",
    "credit_code_check_char",
    "id_check_digit",
    "is_valid_credit_code",
    "is_valid_id_number",
    "log_audit_event",
    "make_nonce",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "parse_id_number",
    "redact",
    "sign_callback",
    "verify_callback",
    "verify_signed_request",
]
