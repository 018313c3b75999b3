"""What can become of an event: applied, a duplicate, or rejected for a reason.

Every rejection reason is listed here or in the domain that owns it (see
``windows.domain.Domain.reasons``), with what it means: the README's table of
reasons and the zero-initialised ``ccpulse_events_rejected_total`` series are
built from these lists.
"""

from __future__ import annotations

from typing import Final

APPLIED: Final = "applied"
DUPLICATE: Final = "duplicate"

# reasons any event can be rejected for, whatever its domain
ENVELOPE_REASONS: Final[dict[str, str]] = {
    "malformed_json": "the message is not JSON (or has no value)",
    "not_an_object": "the JSON is not an object (nor, for the whole message, a list of them)",
    # (10,000: ccpulse.stream.codec.MAX_PACK_EVENTS)
    "bad_pack": "a message's list of events (a pack) is empty or longer than 10,000",
    "record_too_large": "the message is larger than CCPULSE_MAX_RECORD_BYTES",
    "missing_field": "a required field is absent",
    "wrong_type": "a field has the wrong type, length or characters",
    "out_of_range": "a number is outside its allowed range",
    "unknown_type": "the type is not one ccpulse knows",
    "unknown_channel": "the channel is not one ccpulse knows",
    "bad_timestamp": "ts is not epoch milliseconds or ISO-8601 with an offset, or out of range",
    "ts_in_future": ("ts is further ahead of the wall clock than the tolerance allows, or "
                     "(event clock) far ahead of its partition's time and refuted by the "
                     "records after it"),
    "negative_duration": "a duration is negative",
    "queue_not_allowed": "the queue is not in CCPULSE_QUEUE_ALLOWLIST",
    "entity_limit": "the partition already tracks as many contacts (or tickets) as allowed",
    "processing_error": "applying the event raised an unexpected error (a bug): it was isolated",
}
