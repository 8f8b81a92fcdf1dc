"""What every repository shares: one table, items from and to pydantic models, one builder of
update expressions, conditional writes, and DynamoDB's concurrency failures handled in one place.

- A condition that fails is an answer (someone else got there first), never an error.
- A write whose answer was lost (a timeout, a 500: botocore then retries it) may have been applied, and
  its retry then fails its own condition. A writer whose write carries something only it could write (a
  token, the moment of its attempt) says so (`own=True`): when the item already holds everything the
  write sets, it counts as applied, not as refused.
- A write that conflicts with a transaction in progress (`TransactionConflict`) was not applied, so it
  is retried here, a few times with jittered back-off; botocore does not retry it.
- Throttling and DynamoDB's own 500s are retried by botocore (standard mode, bounded); what is left
  becomes `StorageBusy`, which a seller meets as 503 with Retry-After and an asynchronous trigger as a
  failed invocation that its platform retries.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Literal, TypeVar

import boto3
from boto3.dynamodb.conditions import ConditionBase, ConditionExpressionBuilder
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError
from pydantic import BaseModel

from ..models import utc_iso
from ..ports import StorageBusy

T = TypeVar("T")
ReturnValues = Literal["NONE", "ALL_OLD", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"]

CONFLICT_RETRIES = 4
_NAME = re.compile(r"#([A-Za-z_][A-Za-z0-9_]*)")
_BUSY_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionConflictException",
        "TransactionInProgressException",
    }
)
# Bounded retries on the request path: a seller waits seconds at most, then gets 503 and tries again.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=2, read_timeout=5)


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _reasons(error: ClientError) -> list[str]:
    return [str(r.get("Code")) for r in error.response.get("CancellationReasons") or []]


def is_condition_failure(error: ClientError) -> bool:
    code = _code(error)
    if code == "ConditionalCheckFailedException":
        return True
    return code == "TransactionCanceledException" and "ConditionalCheckFailed" in _reasons(error)


def _is_conflict(error: ClientError) -> bool:
    code = _code(error)
    if code == "TransactionConflictException":
        return True
    return code == "TransactionCanceledException" and "TransactionConflict" in _reasons(error)


def _is_busy(error: ClientError) -> bool:
    return _code(error) in _BUSY_CODES or (
        _code(error) == "TransactionCanceledException"
        and any(r in ("ThrottlingError", "ProvisionedThroughputExceeded") for r in _reasons(error))
    )


def to_item(model: BaseModel, *, exclude_defaults: bool = False, **keys: Any) -> dict[str, Any]:
    """A model as a DynamoDB item: Decimal for numbers, sortable UTC text for times, no None values (and
    no default values when asked: the model gives them back on reading)."""
    dumped = model.model_dump(mode="python", exclude_none=True, exclude_defaults=exclude_defaults)
    return {**storable(dumped), **keys}


def storable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: storable(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, datetime):
        return utc_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


class Update:
    """An UpdateExpression with its names and values, placeholders made here (attribute names may be
    reserved words). Nested paths are given as "a.b"."""

    def __init__(self) -> None:
        self._set: list[str] = []
        self._add: list[str] = []
        self._delete: list[str] = []
        self._remove: list[str] = []
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        self.condition: str | None = None
        # What the update makes the item hold, for recognising it applied (only plain SET and REMOVE).
        self._holds: dict[str, Any] | None = {}

    def _path(self, path: str) -> str:
        parts = []
        for part in path.split("."):
            placeholder = f"#n{len(self.names)}"
            self.names[placeholder] = part
            parts.append(placeholder)
        return ".".join(parts)

    def value(self, value: Any) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = storable(value)
        return placeholder

    def set(self, path: str, value: Any) -> Update:
        self._set.append(f"{self._path(path)} = {self.value(value)}")
        if self._holds is not None:
            self._holds[path] = storable(value)
        return self

    def set_if_absent(self, path: str, value: Any) -> Update:
        self._holds = None
        name = self._path(path)
        self._set.append(f"{name} = if_not_exists({name}, {self.value(value)})")
        return self

    def append(self, path: str, items: list[Any]) -> Update:
        """Appends to a list attribute, creating it if it is missing."""
        self._holds = None
        name = self._path(path)
        self._set.append(f"{name} = list_append(if_not_exists({name}, {self.value([])}), {self.value(items)})")
        return self

    def add(self, path: str, amount: Any) -> Update:
        self._holds = None
        self._add.append(f"{self._path(path)} {self.value(amount)}")
        return self

    def discard(self, path: str, members: frozenset[str]) -> Update:
        """Takes members out of a set attribute (DELETE); a set left empty disappears."""
        self._holds = None
        self._delete.append(f"{self._path(path)} {self.value(members)}")
        return self

    def remove(self, path: str) -> Update:
        self._remove.append(self._path(path))
        if self._holds is not None:
            self._holds[path] = _ABSENT
        return self

    def is_in(self, item: dict[str, Any]) -> bool:
        """Whether `item` already holds everything this update writes (never, for an update that adds to
        what is there: ADD, list_append, if_not_exists)."""
        return self._holds is not None and all(_at(item, path) == value for path, value in self._holds.items())

    def when(self, condition: str, **values: Any) -> Update:
        """A condition written with `#attribute` names (any word, reserved ones included: each becomes
        its own placeholder) and `:value` operands given by keyword."""
        for word in _NAME.findall(condition):
            self.names[f"#{word}"] = word
        for key, value in values.items():
            self.values[f":{key}"] = storable(value)
        self.condition = condition if self.condition is None else f"({self.condition}) AND ({condition})"
        return self

    @property
    def empty(self) -> bool:
        return not (self._set or self._add or self._remove or self._delete)

    def expression(self) -> str:
        clauses = []
        if self._set:
            clauses.append("SET " + ", ".join(self._set))
        if self._add:
            clauses.append("ADD " + ", ".join(self._add))
        if self._delete:
            clauses.append("DELETE " + ", ".join(self._delete))
        if self._remove:
            clauses.append("REMOVE " + ", ".join(self._remove))
        return " ".join(clauses)

    def arguments(self) -> dict[str, Any]:
        arguments: dict[str, Any] = {"UpdateExpression": self.expression()}
        if self.names:
            arguments["ExpressionAttributeNames"] = self.names
        if self.values:
            arguments["ExpressionAttributeValues"] = self.values
        if self.condition:
            arguments["ConditionExpression"] = self.condition
        return arguments


_ABSENT = object()


def _at(item: dict[str, Any], path: str) -> Any:
    value: Any = item
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return _ABSENT
        value = value[part]
    return value


def diff(
    before: dict[str, Any], after: dict[str, Any], *, keep: Iterable[str] = (), within: Iterable[str] = ()
) -> Update:
    """The update that turns item `before` into item `after`, attribute by attribute (and, for the maps named
    in `within`, field by field inside them): only what changed is written, so writers of other attributes
    and fields are never overwritten."""
    update = Update()
    _diff_into(update, before, after, prefix="", keep=set(keep), within=set(within))
    return update


def _diff_into(
    update: Update, before: dict[str, Any], after: dict[str, Any], *, prefix: str, keep: set[str], within: set[str]
) -> None:
    for name, value in after.items():
        old = before.get(name)
        if name in keep or old == value:
            continue
        if name in within and isinstance(old, dict) and isinstance(value, dict):
            _diff_into(update, old, value, prefix=f"{prefix}{name}.", keep=set(), within=set())
        else:
            update.set(f"{prefix}{name}", value)
    for name in before:
        if name not in after and name not in keep:
            update.remove(f"{prefix}{name}")


class Table:
    """One DynamoDB table through a boto3 client, plain Python values in and out (boto3's own
    serialiser and its key-condition builder). A client rather than boto3's resource: the resource adds
    nothing here but its model's loading, about 50 ms of every cold start."""

    def __init__(self, name: str, client: Any = None) -> None:
        self.name = name
        self.client = client or boto3.client("dynamodb", config=CLIENT_CONFIG)

    # --- reads ----------------------------------------------------------------------------------

    def get(self, key: dict[str, str], *, consistent: bool = False) -> dict[str, Any] | None:
        response = _patiently(
            lambda: self.client.get_item(TableName=self.name, Key=_wire(key), ConsistentRead=consistent)
        )
        return _plain(response["Item"]) if "Item" in response else None

    def get_many(self, keys: list[dict[str, str]], *, consistent: bool = False) -> list[dict[str, Any]]:
        """BatchGetItem, unprocessed keys asked again; the items found, in no particular order."""
        found: list[dict[str, Any]] = []
        request: dict[str, Any] = (
            {self.name: {"Keys": [_wire(k) for k in keys], "ConsistentRead": consistent}} if keys else {}
        )
        tries = 0
        while request:
            response = _patiently(lambda r=request: self.client.batch_get_item(RequestItems=r))  # type: ignore[misc]
            found.extend(_plain(item) for item in response.get("Responses", {}).get(self.name, []))
            request = response.get("UnprocessedKeys") or {}
            tries += 1
            if request and tries > CONFLICT_RETRIES:
                raise StorageBusy("DynamoDB left keys unprocessed")
            if request:
                time.sleep(random.uniform(0, 0.05 * 2**tries))  # noqa: S311 - jitter, not security
        return found

    def query(
        self,
        condition: ConditionBase,
        *,
        index: str | None = None,
        limit: int | None = None,
        newest_first: bool = False,
        start: dict[str, Any] | None = None,
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """One page: the items and where the next page starts (None at the end)."""
        built = ConditionExpressionBuilder().build_expression(condition, is_key_condition=True)
        arguments: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": built.condition_expression,
            "ExpressionAttributeNames": built.attribute_name_placeholders,
            "ExpressionAttributeValues": _wire(built.attribute_value_placeholders),
            "ScanIndexForward": not newest_first,
        }
        if index:
            arguments["IndexName"] = index
        if limit:
            arguments["Limit"] = limit
        if start:
            arguments["ExclusiveStartKey"] = _wire(start)
        response = _patiently(lambda: self.client.query(**arguments))
        following = response.get("LastEvaluatedKey")
        return [_plain(item) for item in response.get("Items", [])], _plain(following) if following else None

    def query_all(self, condition: ConditionBase, *, index: str | None = None) -> Iterator[dict[str, Any]]:
        start: dict[str, Any] | None = None
        while True:
            items, start = self.query(condition, index=index, start=start)
            yield from items
            if start is None:
                return

    # --- writes ---------------------------------------------------------------------------------

    def put(
        self, item: dict[str, Any], *, condition: str | None = None, mine: str | None = None, **values: Any
    ) -> bool:
        """False when the condition failed (see Update.when for how a condition is written). `mine` names
        an attribute (a path: "a.b") whose value only this writer could have written (its request's id): an
        item found already holding that value is this very put, applied by a try whose answer was lost."""
        arguments: dict[str, Any] = {"TableName": self.name, "Item": _wire(item)}
        mark = _at(item, mine) if mine else _ABSENT
        own = bool(condition and mark not in (_ABSENT, None, ""))
        if condition:
            update = Update().when(condition, **values)
            arguments["ConditionExpression"] = update.condition
            if update.names:
                arguments["ExpressionAttributeNames"] = update.names
            if update.values:
                arguments["ExpressionAttributeValues"] = _wire(update.values)
            if own:
                arguments["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        response, current = _conditionally(lambda: self.client.put_item(**arguments), own)
        if response is not None:
            return True
        return own and current is not None and mine is not None and _at(current, mine) == mark

    def update(
        self, key: dict[str, str], update: Update, *, returning: ReturnValues = "NONE", own: bool = False
    ) -> dict[str, Any] | None:
        """None when the condition failed; else the attributes asked for (`returning`), or {}. With `own`
        (see the module's docstring), an update found already applied answers with the item as it is."""
        if update.empty:
            return {}
        arguments = update.arguments()
        if "ExpressionAttributeValues" in arguments:
            arguments["ExpressionAttributeValues"] = _wire(arguments["ExpressionAttributeValues"])
        if own and update.condition:
            arguments["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        response, current = _conditionally(
            lambda: self.client.update_item(TableName=self.name, Key=_wire(key), ReturnValues=returning, **arguments),
            own,
        )
        if response is not None:
            return _plain(response.get("Attributes") or {})
        if current is not None and update.is_in(current):
            return current
        return None

    def update_or_current(
        self, key: dict[str, str], update: Update
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """A conditional update that answers either way: (the item after it, None) when it was applied, or
        (None, the item as it is) when its condition failed (it is then read in the same call)."""
        arguments = update.arguments()
        if "ExpressionAttributeValues" in arguments:
            arguments["ExpressionAttributeValues"] = _wire(arguments["ExpressionAttributeValues"])
        if update.condition:
            arguments["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        response, current = _conditionally(
            lambda: self.client.update_item(TableName=self.name, Key=_wire(key), ReturnValues="ALL_NEW", **arguments),
            True,
        )
        if response is not None:
            return _plain(response.get("Attributes") or {}), None
        return None, current or {}


_serialise, _deserialise = TypeSerializer().serialize, TypeDeserializer().deserialize


def _wire(values: dict[str, Any]) -> dict[str, Any]:
    """Plain Python values as DynamoDB's typed attribute values."""
    return {name: _serialise(value) for name, value in values.items()}


def _plain(attributes: dict[str, Any]) -> dict[str, Any]:
    return {name: _deserialise(value) for name, value in attributes.items()}


def _conditionally[T](call: Callable[[], T], own: bool) -> tuple[T | None, dict[str, Any] | None]:
    """The call's answer, or None and (for an `own` write) the item as it is when the condition failed."""
    try:
        return _patiently(call), None
    except ClientError as error:
        if is_condition_failure(error):
            current: dict[str, Any] | None = error.response.get("Item")  # type: ignore[assignment]
            return None, _plain(current) if own and current else None
        raise


def _patiently[T](call: Callable[[], T]) -> T:
    """Retries a write that conflicted with a transaction in progress (not applied, so always safe),
    with jittered back-off; what DynamoDB still refuses becomes StorageBusy."""
    for attempt in range(CONFLICT_RETRIES + 1):
        try:
            return call()
        except ClientError as error:
            if _is_conflict(error) and attempt < CONFLICT_RETRIES:
                time.sleep(random.uniform(0, 0.025 * 2**attempt))  # noqa: S311 - jitter, not security
                continue
            if _is_busy(error) or _is_conflict(error):
                raise StorageBusy(f"DynamoDB: {_code(error)}") from error
            raise
    raise AssertionError("unreachable")
