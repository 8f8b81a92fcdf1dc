"""The stream adapter of `ports.StreamImages`: the table's stream records read as what they are. Only the
store knows the keys and how an item is written, so only it can tell a registration's image apart."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from pydantic import ValidationError

from ..observability import logger
from ..records import Change, RegistrationRecord
from .registrations import is_registration, registration_of, seller_of

_deserializer = TypeDeserializer()


def _plain(image: Mapping[str, Any] | None) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in (image or {}).items()}


class StreamImagesOfTheTable:
    def registration_change(self, record: Mapping[str, Any]) -> Change | None:
        """A stream record of a registration as the change it is; None for any other item."""
        dynamodb = record.get("dynamodb") or {}
        if not is_registration(_plain(dynamodb.get("Keys"))):
            return None
        return Change(
            str(dynamodb["SequenceNumber"]),
            _registration(dynamodb.get("OldImage")),
            _registration(dynamodb.get("NewImage")),
        )

    def seller_of(self, record: Mapping[str, Any]) -> str:
        """The seller whose partition the record's item is in."""
        return seller_of(_plain((record.get("dynamodb") or {}).get("Keys")))


def _registration(image: Mapping[str, Any] | None) -> RegistrationRecord | None:
    if not image:
        return None
    item = _plain(image)
    try:
        return registration_of(item)
    except ValidationError:
        logger.exception("a registration image does not read as a registration", extra={"sk": item.get("sk")})
        raise
