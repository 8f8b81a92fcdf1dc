"""The local stack decides each function's table requests by its role as IAM does (tools/local_stack/iam.py):
the action, the resource and `dynamodb:LeadingKeys`, so a role too narrow for its code fails here, not when
deployed."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from tools.local_stack.iam import Enforcer, Request, Role, Tables

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/MissionTable"
TABLES = Tables({"MissionTable": TABLE}, {"MissionTable": "pk", "MissionTable/due": "due_shard"})


def _allow(actions: list[str], resource: Any = TABLE, leading: list[str] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": actions, "Resource": resource}
    if leading is not None:
        statement["Condition"] = {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": leading}}
    return statement


def _get(*pks: str) -> dict[str, Any]:
    return {"RequestItems": {"MissionTable": {"Keys": [{"pk": {"S": pk}, "sk": {"S": "x"}} for pk in pks]}}}


def test_an_action_the_role_does_not_name_is_refused_though_a_narrower_one_is_named() -> None:
    role = Role([_allow(["dynamodb:GetItem", "dynamodb:Query"])])
    assert role.allows(TABLES.requests("GetItem", {"TableName": "MissionTable", "Key": {"pk": {"S": "SELLER#1"}}})[0])
    assert not role.allows(TABLES.requests("BatchGetItem", _get("SELLER#1"))[0])


def test_leading_keys_must_all_match_one_statement() -> None:
    role = Role(
        [
            _allow(["dynamodb:BatchGetItem"], leading=["SELLER#*", "ADS_FACTS#*"]),
            _allow(["dynamodb:*"], leading=["MISSION#*"]),
        ]
    )
    assert role.allows(TABLES.requests("BatchGetItem", _get("SELLER#1", "ADS_FACTS#1"))[0])
    assert not role.allows(TABLES.requests("BatchGetItem", _get("SELLER#1", "MISSION#M1"))[0])


def test_a_writes_partition_is_its_items_key_and_a_querys_its_key_condition() -> None:
    role = Role([_allow(["dynamodb:UpdateItem", "dynamodb:Query"], leading=["SELLER#*"])])
    update = {"TableName": "MissionTable", "Key": {"pk": {"S": "MISSION#M1"}, "sk": {"S": "REG#1"}}}
    assert not role.allows(TABLES.requests("UpdateItem", update)[0])
    query = {
        "TableName": "MissionTable",
        "KeyConditionExpression": "#n0 = :v0 AND begins_with(#n1, :v1)",
        "ExpressionAttributeNames": {"#n0": "pk", "#n1": "sk"},
        "ExpressionAttributeValues": {":v0": {"S": "SELLER#1"}, ":v1": {"S": "DAY#"}},
    }
    (request,) = TABLES.requests("Query", query)
    assert request == Request("dynamodb:Query", TABLE, ("SELLER#1",))
    assert role.allows(request)


def test_an_index_is_a_resource_of_its_own_and_deny_wins() -> None:
    query = {
        "TableName": "MissionTable",
        "IndexName": "due",
        "KeyConditionExpression": "#n0 = :v0",
        "ExpressionAttributeNames": {"#n0": "due_shard"},
        "ExpressionAttributeValues": {":v0": {"S": "RETRY#3"}},
    }
    (request,) = TABLES.requests("Query", query)
    assert request.leading_keys == ("RETRY#3",)
    assert not Role([_allow(["dynamodb:Query"])]).allows(request)
    assert Role([_allow(["dynamodb:Query"], f"{TABLE}/index/*")]).allows(request)
    deny = {**_allow(["dynamodb:Query"], f"{TABLE}/index/due"), "Effect": "Deny"}
    assert not Role([_allow(["dynamodb:Query"], f"{TABLE}/index/*"), deny]).allows(request)


def test_a_condition_the_local_iam_cannot_decide_stops_the_stack_rather_than_pass() -> None:
    statement = {**_allow(["dynamodb:GetItem"]), "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}}}
    with pytest.raises(ValueError, match="cannot decide"):
        Role([statement])


def test_a_refused_request_is_answered_as_dynamodb_answers_it_and_never_reaches_moto() -> None:
    reached: list[bytes] = []

    def moto(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        reached.append(environ["wsgi.input"].read())
        start_response("200 OK", [])
        return [b"{}"]

    enforcer = Enforcer(moto)
    enforcer.govern({"ProgressFunction": [_allow(["dynamodb:GetItem"])]}, TABLES)
    answers: list[str] = []

    def send(principal: str, operation: str, body: dict[str, Any]) -> bytes:
        raw = json.dumps(body).encode()
        environ = {
            "HTTP_X_AMZ_TARGET": f"DynamoDB_20120810.{operation}",
            "HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential={principal}/20261206/us-east-1/dynamodb/aws4_request",
            "CONTENT_LENGTH": str(len(raw)),
            "wsgi.input": io.BytesIO(raw),
        }
        return b"".join(enforcer(environ, lambda status, headers: answers.append(status)))

    assert b"AccessDeniedException" in send("ProgressFunction", "BatchGetItem", _get("SELLER#1"))
    assert answers == ["400 Bad Request"] and reached == []
    assert enforcer.denied[0]["action"] == "dynamodb:BatchGetItem"
    key = {"TableName": "MissionTable", "Key": {"pk": {"S": "SELLER#1"}}}
    assert send("ProgressFunction", "GetItem", key) == b"{}"
    assert send("local", "BatchGetItem", _get("SELLER#1")) == b"{}"  # the stack's own plumbing is not governed
    assert json.loads(reached[0]) == key  # the body read to decide is handed on whole
