"""Behaviour events: what they are (``events``) and the rules they follow (``rules``)."""

from marketplace.behaviour.domain.events import (
    CHANNELS,
    MAX_BATCH,
    MAX_CLIENT_AGE,
    MAX_FUTURE,
    MAX_QUERY_CHARS,
    MAX_RESULTS,
    BatchTooLargeError,
    BehaviourEvent,
    ErrorCode,
    EventError,
    EventRejectedError,
    EventSource,
    EventType,
    IngestResult,
)
from marketplace.behaviour.domain.rules import (
    check_batch,
    is_session_id,
    parse_event,
    parse_timestamp,
)

__all__ = [
    "CHANNELS",
    "MAX_BATCH",
    "MAX_CLIENT_AGE",
    "MAX_FUTURE",
    "MAX_QUERY_CHARS",
    "MAX_RESULTS",
    "BatchTooLargeError",
    "BehaviourEvent",
    "ErrorCode",
    "EventError",
    "EventRejectedError",
    "EventSource",
    "EventType",
    "IngestResult",
    "check_batch",
    "is_session_id",
    "parse_event",
    "parse_timestamp",
]
