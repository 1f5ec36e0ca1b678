"""Personal data never reaches a log line or a response in full.

One implementation serves the whole code base: ``integrations.masking``, because the adapters mask what
they log too. ``mask_id_number`` and ``mask_phone`` are for fields we know; ``scrub`` is the safety net
run over every log record, catching an ID number or a mobile number that slipped into a message.
"""

from integrations.masking import mask_id_number, mask_phone
from integrations.masking import redact as scrub

__all__ = ["mask_id_number", "mask_phone", "scrub"]
