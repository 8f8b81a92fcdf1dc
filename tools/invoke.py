"""`make invoke FUNCTION=<name> EVENT=<file>`: one invocation of one function, as Lambda would make it.

With `make run` up on API_PORT the running stack serves it. Otherwise a stack of its own starts (the AWS
emulator with the template's tables and bus, the Ads sandbox, the function in its own awslambdaric
container), seeded with the README walkthrough's world (tools/local_stack/walkthrough.py), and stops after.

It names the stack it used, prints the function's log lines (Lambda's START, END and REPORT among them) on
stderr and its answer on stdout, then one line: `ok` or the reason it failed. Exit codes: 0 the function
answered and succeeded; 1 it failed (raised, timed out, answered an HTTP error, or reported failed stream
records); 2 the function, the file or the event's shape is wrong, or the port is taken by a stack of another
checkout. Through make, any code but 0 becomes make's own 2, after a line naming the tool's code.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import requests

from tools.local_stack.template import ROOT, FunctionSpec, Template

# Invocations no template event describes: the retry sweep invokes auto-creation once per index shard.
DIRECT_INVOCATIONS = {"auto_creation": ("RetryShard", "retry_shard")}


class Refused(SystemExit):
    """A one-line reason and exit code 2: nothing was invoked."""

    def __init__(self, reason: str) -> None:
        super().__init__(2)
        self.reason = reason


def trigger_of(function: FunctionSpec, event: Any) -> str:
    """The name of the function's trigger the event fits, or Refused with why it fits none."""
    if not isinstance(event, dict):
        raise Refused("the event must be a JSON object")
    kinds = {name: spec["Type"] for name, spec in function.events.items()}
    for name, spec in function.events.items():
        properties = spec.get("Properties") or {}
        if spec["Type"] == "HttpApi" and event.get("version") == "2.0":
            if event.get("routeKey") == f"{properties['Method'].upper()} {properties['Path']}":
                if not isinstance((event.get("requestContext") or {}).get("http"), dict):
                    raise Refused("an HTTP API event needs requestContext.http (payload format 2.0)")
                return name
        elif spec["Type"] == "EventBridgeRule" and "detail-type" in event:
            pattern = properties["Pattern"]
            if event.get("source") in pattern["source"] and event["detail-type"] in pattern["detail-type"]:
                if not isinstance(event.get("detail"), dict):
                    raise Refused("an EventBridge event needs a `detail` object")
                return name
        elif spec["Type"] == "DynamoDB" and "Records" in event:
            _check_records(event, "a stream", "aws:dynamodb")
            if "TumblingWindowInSeconds" in properties and "shardId" not in event:
                raise Refused(f"{name} has a tumbling window: the event needs shardId, window and state")
            return name
        elif spec["Type"] == "SQS" and "Records" in event:
            _check_records(event, "a queue", "aws:sqs")
            if any(not isinstance(r.get("body"), str) for r in event["Records"]):
                raise Refused("every queue record needs its message as a `body` string")
            return name
    direct = DIRECT_INVOCATIONS.get(function.name)
    if direct and direct[1] in event:
        return direct[0]
    looks_like = "an HTTP request" if "routeKey" in event or "requestContext" in event else None
    looks_like = looks_like or ("an EventBridge event" if "detail-type" in event else None)
    looks_like = looks_like or ("records" if "Records" in event else None)
    schedules = [name for name, kind in kinds.items() if kind == "ScheduleV2"]
    if schedules and looks_like is None:
        return schedules[0]  # a schedule hands over its Input as it is
    known = ", ".join(f"{name} ({kind})" for name, kind in kinds.items())
    raise Refused(f"the event ({looks_like or 'unrecognised'}) fits no trigger of {function.name}: {known}")


def _check_records(event: dict[str, Any], what: str, source: str) -> None:
    records = event["Records"]
    if not isinstance(records, list) or not records:
        raise Refused(f"{what} event needs a non-empty Records list")
    if any(not isinstance(r, dict) or r.get("eventSource") != source for r in records):
        raise Refused(f"every record of {what} event needs eventSource {source}")


def failure_of(answer: Any, error: dict[str, Any] | None) -> str | None:
    """Why the invocation counts as failed, or None."""
    if error:
        return f"{error.get('errorType', 'Error')}: {error.get('errorMessage', '')}".strip()
    if isinstance(answer, dict):
        status = answer.get("statusCode")
        if isinstance(status, int) and status >= 400:
            try:
                body = json.loads(answer.get("body") or "{}").get("error", {})
            except ValueError:
                body = {}
            return f"answered HTTP {status} {body.get('code', '')}: {body.get('message', '')}".strip()
        failed = answer.get("batchItemFailures")
        if failed:
            return f"{len(failed)} record(s) reported failed (batchItemFailures)"
    return None


def _running_stack(api_port: int) -> str | None:
    """The URL of the local stack on the port, if one of this checkout answers there (Refused: another's)."""
    url = f"http://127.0.0.1:{api_port}"
    try:
        health = requests.get(f"{url}/_local/health", timeout=0.5)
    except requests.RequestException:
        return None
    if health.status_code != 200:
        return None
    root = health.json().get("root")
    if root != str(ROOT):
        raise Refused(f"the local stack on port {api_port} runs another checkout ({root}); stop it or set API_PORT")
    return url


def invoke(name: str, event: dict[str, Any], api_port: int) -> tuple[Any, dict[str, Any] | None, list[str]]:
    """The function's answer, its error and its log lines."""
    url = _running_stack(api_port)
    if url:
        print(f"invoking {name} on the running stack at {url}", file=sys.stderr)
        answer = requests.post(f"{url}/_local/invoke/{name}", json=event, timeout=900).json()
        return answer["payload"], answer["error"], answer["logs"]
    from tests.support import free_port
    from tools.local_stack import walkthrough
    from tools.local_stack.stack import start_local_stack

    print(
        f"no stack on port {api_port}: invoking {name} on a stack of its own, with the walkthrough's world",
        file=sys.stderr,
    )
    stack = start_local_stack(free_port(), free_port())
    try:
        walkthrough.seed(stack.api_url, stack.sandbox_url)
        invocation = stack.lambdas.invoke(name, event)
        answer = json.loads(invocation.result) if invocation.result else None
        return answer, invocation.error, invocation.logs
    finally:
        stack.stop()


def main(arguments: list[str]) -> int:
    if len(arguments) != 2 or not all(arguments):
        raise Refused("usage: make invoke FUNCTION=<name> EVENT=events/<file>.json")
    name, path = arguments
    functions = {f.name: f for f in Template().functions()}
    if name not in functions:
        raise Refused(f"no function {name!r}; known: {', '.join(sorted(functions))}")
    try:
        event = json.loads(Path(path).read_text())
    except OSError as unreadable:
        raise Refused(f"cannot read {path}: {unreadable.strerror}") from None
    except ValueError as malformed:
        raise Refused(f"{path} is not JSON: {malformed}") from None
    trigger = trigger_of(functions[name], event)
    answer, error, logs = invoke(name, event, int(os.environ.get("API_PORT", "3000")))
    for line in logs:
        print(line, file=sys.stderr)
    print(json.dumps(answer, indent=2))
    reason = failure_of(answer, error)
    print(f"{name} ({trigger}): {'failed: ' + reason if reason else 'ok'}", file=sys.stderr)
    return 1 if reason else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Refused as refused:
        print(f"invoke: {refused.reason}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
