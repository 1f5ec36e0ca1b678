"""Personal data never reaches a log line or a response in full.

One implementation serves the whole code base: ``integrations.masking``, because the adapters mask what
they log too. ``mask_id_number`` and ``mask_phone`` are for fields we know; ``scrub`` is the safety net
run over every log record, catching an ID number or a mobile number that slipped into a message.
"""

import ipaddress

from integrations.masking import mask_id_number, mask_phone
from integrations.masking import redact as scrub

__all__ = ["mask_address", "mask_id_number", "mask_phone", "scrub"]


def mask_address(address: str) -> str:
    """A client address as a person may be shown it: the network, not the host. IPv4 keeps its /24
    (``203.0.113.*``: the office or the carrier, not the machine), IPv6 its /48 (a site's prefix,
    RFC 6177). Anything that is no IP address (a test client's name) is kept as ``unknown``."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        return str(ip).rsplit(".", 1)[0] + ".*"
    return f"{ipaddress.IPv6Address(int(ip) >> 80 << 80)}/48"
