"""Schemathesis fuzzes the local stack from docs/openapi.json: over a thousand generated requests, never a
5xx, and every error in the contract's shape."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.e2e.conftest import Stack
from tools.openapi import build

schema = schemathesis.openapi.from_dict(build())
EXAMPLES_PER_OPERATION = 100  # eleven operations: over 1,000 requests
REQUESTS: list[str] = []


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


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_server_error_and_every_error_in_the_spec_shape(case: Any, fuzzed: Stack) -> None:
    who = fuzzed.as_operator() if case.path.startswith("/admin/") else fuzzed.as_seller("fuzz-seller")
    REQUESTS.append(f"{case.method} {case.path}")
    response = case.call(base_url=fuzzed.api, headers={**(case.headers or {}), **who}, timeout=30)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
    if response.status_code >= 400:
        error = response.json()["error"]
        assert isinstance(error["code"], str) and error["code"]
        assert isinstance(error["message"], str) and error["message"]


def test_over_a_thousand_requests_were_made() -> None:
    # Runs after the fuzz above (pytest keeps a module's order): the fuzz is as big as promised.
    assert len(REQUESTS) >= 1000, len(REQUESTS)
