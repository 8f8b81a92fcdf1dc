"""Schemathesis fuzzes the local stack from docs/openapi.json: over a thousand generated requests, never a
5xx, and every error in the contract's shape. One test walks every operation of the document (hypothesis
draws each operation's cases), so the requests are counted where they are made."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.e2e.conftest import Stack
from tools.openapi import build

SCHEMA = schemathesis.openapi.from_dict(build())
EXAMPLES_PER_OPERATION = 100  # twelve operations: over 1,000 requests


@pytest.fixture(scope="module")
def fuzzed(stack: Stack) -> Stack:
    stack.set_clock("2026-02-09T02:00:00+07:00")
    stack.put_mission("fuzz-mission")
    stack.put_seller(
        "fuzz-seller",
        {
            "ads_permission": True,
            "ad_accounts": [
                {"advertiser_id": "adv-fuzz", "status": "STATUS_ENABLE", "owner": "SELLER", "payment_ready": True}
            ],
        },
    )
    return stack


def test_over_a_thousand_requests_never_a_server_error_and_every_error_in_the_spec_shape(fuzzed: Stack) -> None:
    requests: list[str] = []

    def check(case: Any) -> None:
        who = fuzzed.as_operator() if case.path.startswith("/admin/") else fuzzed.as_seller("fuzz-seller")
        requests.append(f"{case.method} {case.path}")
        response = case.call(base_url=fuzzed.api, headers={**(case.headers or {}), **who}, timeout=30)
        where = f"{case.method} {case.formatted_path}"
        assert response.status_code < 500, f"{where}: {response.status_code} {response.text}"
        if response.status_code >= 400:
            error = response.json()["error"]
            assert isinstance(error["code"], str) and error["code"]
            assert isinstance(error["message"], str) and error["message"]

    operations = [result.ok() for result in SCHEMA.get_all_operations()]
    for operation in operations:
        fuzz = settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )(given(case=operation.as_strategy())(check))
        fuzz()

    assert len({r.split(" ", 1)[1] for r in requests}) == len({op.path for op in operations})
    assert len(requests) >= 1000, len(requests)
