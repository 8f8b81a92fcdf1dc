"""The trust boundaries, read from template.yaml itself: who may put the events that decide vouchers, who
may decrypt the Ads token, that every alarm reaches a person, what the stream roles may read, that every
asynchronous path ends somewhere watched."""

from __future__ import annotations

import fnmatch
from typing import Any

import pytest

from live_mission.ads_quota import DAY_ALARMS, SHARES, Purpose
from live_mission.settings import ServiceSettings
from tools.local_stack.template import Template

TEMPLATE = Template()
RESOURCES = TEMPLATE.resources


def _of_type(kind: str) -> dict[str, dict[str, Any]]:
    return TEMPLATE.of_type(kind)


def _functions() -> dict[str, dict[str, Any]]:
    return _of_type("AWS::Serverless::Function")


def _actions(statement: dict[str, Any]) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


def _ads_token_readers() -> set[str]:
    """The functions that may read the Ads access token: the ones that call the Ads platform."""
    return {n for n in _functions() if any("ssm:GetParameter" in _actions(s) for s in TEMPLATE.role_statements(n))}


def _bus_statements() -> list[dict[str, Any]]:
    return [policy["Properties"]["Statement"] for policy in _of_type("AWS::Events::EventBusPolicy").values()]


@pytest.mark.parametrize(
    ("source", "senders"), [("shop.live", "ShopLivePrincipalArns"), ("ads.gmvmax", "AdsGmvMaxPrincipalArns")]
)
def test_each_upstream_source_may_be_put_only_by_its_own_named_senders(source: str, senders: str) -> None:
    """Issue 24: the LIVE system cannot put spend, nor a spend reporter LIVE sessions."""
    denies = [
        s
        for s in _bus_statements()
        if s["Effect"] == "Deny" and s["Condition"]["StringEquals"]["events:source"] == source
    ]
    assert len(denies) == 1
    deny = denies[0]
    assert deny["Principal"] == "*" and deny["Action"] == "events:PutEvents"
    assert deny["Condition"]["ArnNotEquals"]["aws:PrincipalArn"] == {"Ref": senders}
    allows = [s for s in _bus_statements() if s["Effect"] == "Allow" and s["Principal"] != "*"]
    assert {
        s["Condition"]["StringEquals"]["events:source"] for s in allows if s["Principal"]["AWS"] == {"Ref": senders}
    } == {source}
    assert "Default" not in TEMPLATE.raw["Parameters"][senders]


def test_only_the_relay_role_may_put_the_services_own_source() -> None:
    deny = next(
        s
        for s in _bus_statements()
        if s["Effect"] == "Deny" and s["Condition"]["StringEquals"]["events:source"] == "live-gmv-max-mission"
    )
    assert deny["Condition"]["ArnNotEquals"]["aws:PrincipalArn"] == {"Fn::GetAtt": ["RegistrationChangesRole", "Arn"]}


def test_the_services_roles_can_put_only_their_own_source() -> None:
    publishers = []
    for name in _functions():
        for statement in TEMPLATE.role_statements(name):
            if "events:PutEvents" in _actions(statement) and statement["Effect"] == "Allow":
                assert statement["Condition"]["StringEquals"]["events:source"] == "live-gmv-max-mission", name
                publishers.append(name)
    assert publishers == ["RegistrationChangesFunction"]  # the outbox relay, and nothing else


def test_every_rule_matches_this_account_only() -> None:
    for name, function in _functions().items():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] == "EventBridgeRule":
                assert event["Properties"]["Pattern"]["account"] == [{"Ref": "AWS::AccountId"}], name


def test_only_the_ads_calling_roles_can_decrypt_the_ads_token() -> None:
    key = RESOURCES["AdsTokenKey"]["Properties"]["KeyPolicy"]["Statement"]
    decrypting = [s for s in key if any(a in ("kms:Decrypt", "kms:*") for a in _actions(s))]
    assert len(decrypting) == 1
    allowed = {p["Fn::GetAtt"][0] for p in decrypting[0]["Principal"]["AWS"]}
    assert (
        allowed
        == {f"{name}Role" for name in _ads_token_readers()}
        == {
            "EligibilityFunctionRole",
            "RegistrationFunctionRole",
            "AutoCreationFunctionRole",
            "CampaignStatusFunctionRole",
            "ActivityIngestionFunctionRole",  # whose campaign a spend is on (W7)
        }
    )
    assert "kms:ViaService" in decrypting[0]["Condition"]["StringEquals"]


def test_every_alarm_reaches_a_subscriber_through_a_key_cloudwatch_may_use() -> None:
    topics = {
        action["Ref"]
        for alarm in _of_type("AWS::CloudWatch::Alarm").values()
        for action in alarm["Properties"]["AlarmActions"]
    }
    assert topics == {"OnCallTopic"}
    key_name = RESOURCES["OnCallTopic"]["Properties"]["KmsMasterKeyId"]["Ref"]
    key = RESOURCES[key_name]["Properties"]["KeyPolicy"]["Statement"]
    assert any(
        s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
        and {"kms:Decrypt", "kms:GenerateDataKey*"} <= _actions(s)
        for s in key
    )
    subscriptions = [s["Properties"] for s in _of_type("AWS::SNS::Subscription").values()]
    assert any(
        s["TopicArn"] == {"Ref": "OnCallTopic"} and s["Endpoint"] == {"Ref": "AlarmEmail"} for s in subscriptions
    )
    assert "Default" not in TEMPLATE.raw["Parameters"]["AlarmEmail"]


def test_stream_consumers_read_only_the_mission_tables_stream() -> None:
    for name, function in _functions().items():
        if not any(e["Type"] == "DynamoDB" for e in function["Properties"].get("Events", {}).values()):
            continue
        assert "Role" in function["Properties"], f"{name}: SAM's stream policy would allow every stream"
        for statement in TEMPLATE.role_statements(name):
            if _actions(statement) & {"dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream"}:
                assert statement["Resource"] == {"Fn::GetAtt": ["MissionTable", "StreamArn"]}, name
            assert statement.get("Resource") != "*", name


def test_operators_are_named_and_admin_routes_signed() -> None:
    assert "Default" not in TEMPLATE.raw["Parameters"]["OperatorPrincipalArns"]
    admin = _functions()["MissionAdminFunction"]["Properties"]
    assert "OPERATOR_PRINCIPAL_ARNS" in admin["Environment"]["Variables"]
    for route in TEMPLATE.http_routes():
        assert route.operator_only == route.path.startswith("/admin/"), route.path
        if not route.operator_only:
            assert route.scopes, f"{route.route_key} needs a JWT scope"
    assert all(
        not (_actions(s) & {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"})
        for s in TEMPLATE.role_statements("MissionsFunction")
    )


def test_access_log_names_the_caller() -> None:
    log_format = RESOURCES["HttpApi"]["Properties"]["AccessLogSettings"]["Format"]
    assert "$context.identity.userArn" in log_format
    assert "$context.authorizer.claims.sub" in log_format


@pytest.mark.parametrize("name", sorted(_functions()))
def test_every_function_logs_to_a_group_with_retention(name: str) -> None:
    group = _functions()[name]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    assert RESOURCES[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_dead_letters_and_access_log_survive_stack_deletion() -> None:
    kept = [*_of_type("AWS::SQS::Queue"), "ApiAccessLogs"]
    for name in kept:
        assert RESOURCES[name].get("DeletionPolicy") == "Retain", name


def test_the_bus_is_archived_and_the_ads_api_is_https() -> None:
    archives = _of_type("AWS::Events::Archive").values()
    assert [a["Properties"]["SourceArn"] for a in archives] == [{"Fn::GetAtt": ["MissionEventBus", "Arn"]}]
    assert TEMPLATE.raw["Parameters"]["AdsBaseUrl"]["AllowedPattern"].startswith("^https://")
    assert TEMPLATE.raw["Parameters"]["JwtIssuer"]["AllowedPattern"].startswith("^https://")
    assert "Default" not in TEMPLATE.raw["Parameters"]["JwtIssuer"]


def test_the_routes_that_call_the_ads_platform_are_throttled() -> None:
    settings = RESOURCES["HttpApi"]["Properties"]["RouteSettings"]
    calling_ads = {r.route_key for r in TEMPLATE.http_routes() if r.function == "eligibility"}
    calling_ads.add("POST /missions/{mission_id}/registrations")
    assert set(settings) == calling_ads
    default = RESOURCES["HttpApi"]["Properties"]["DefaultRouteSettings"]["ThrottlingRateLimit"]
    assert all(setting["ThrottlingRateLimit"] < default for setting in settings.values())


def test_every_ads_caller_keeps_the_fleets_quota_at_tiktoks_basic_tier_by_default() -> None:
    """The quota is kept in the table (live_mission.ads_quota): every function that calls the Ads platform may
    write the quota's counters, the one that writes nothing else only those and the seller's recent Ads facts
    (partitions of their own), the counters expire, and the limits default to TikTok's Basic tier (Q1)."""
    parameters = TEMPLATE.raw["Parameters"]
    assert [int(parameters[f"AdsQuotaPer{w}"]["Default"]) for w in ("Second", "Minute", "Day")] == [10, 600, 864_000]
    variables = TEMPLATE.raw["Globals"]["Function"]["Environment"]["Variables"]
    for window in ("SECOND", "MINUTE", "DAY"):
        assert variables[f"ADS_QUOTA_PER_{window}"] == {"Ref": f"AdsQuotaPer{window.title()}"}
    for name in _ads_token_readers():
        writes = [s for s in TEMPLATE.role_statements(name) if "dynamodb:UpdateItem" in _actions(s)]
        assert writes, f"{name} calls the Ads platform but may not write the quota's counters"
    read_only = [s for s in TEMPLATE.role_statements("EligibilityFunction") if "dynamodb:UpdateItem" in _actions(s)]
    assert [s["Condition"] for s in read_only] == [
        {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["ADS_QUOTA#*", "ADS_FACTS#*", "MISSION#*#STATS#*"]}}
    ]
    ttl = RESOURCES["MissionTable"]["Properties"]["TimeToLiveSpecification"]
    assert ttl == {"AttributeName": "expires_at", "Enabled": True}


def _events(kind: str, function_name: str | None = None) -> dict[str, dict[str, Any]]:
    """Every function event of one kind (of one function), by `Function.Event`."""
    return {
        f"{name}.{event}": spec["Properties"]
        for name, function in _functions().items()
        if function_name in (None, name)
        for event, spec in function["Properties"].get("Events", {}).items()
        if spec["Type"] == kind
    }


def test_every_ads_caller_outlives_its_wait_for_the_quota() -> None:
    """A function that waits for the quota longer than it may run is ended mid-wait (a 5xx or a retry for
    nothing); the ingestion waits for each event of its batch in turn."""
    default = ServiceSettings.model_fields["ads_max_wait_seconds"].default
    specs = {f.logical_id: f for f in TEMPLATE.functions()}  # SAM's Globals applied
    for name in _ads_token_readers():
        wait = float(specs[name].environment.get("ADS_MAX_WAIT_SECONDS", default))
        batch = max((int(e["BatchSize"]) for e in _events("SQS", name).values()), default=1)
        assert batch * wait + 10 <= specs[name].timeout, name


def test_only_the_activity_rules_feed_the_ingestion_and_nothing_invokes_it_or_the_relay() -> None:
    """Issue 24: the two rules deliver to a queue whose policy admits those rules only; the function reads
    the queue; no rule, invoke configuration or permission lets anything start it or the relay."""
    rules = {
        name: rule["Properties"]
        for name, rule in _of_type("AWS::Events::Rule").items()
        if rule["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": ["IngestionQueue", "Arn"]}
    }
    assert {(r["EventPattern"]["source"][0], r["EventPattern"]["detail-type"][0]) for r in rules.values()} == {
        ("shop.live", "LiveSessionEnded"),
        ("ads.gmvmax", "SpendReported"),
    }
    (statement,) = RESOURCES["IngestionQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert RESOURCES["IngestionQueuePolicy"]["Properties"]["Queues"] == [{"Ref": "IngestionQueue"}]
    assert statement["Effect"] == "Allow" and statement["Action"] == "sqs:SendMessage"
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": [{"Fn::GetAtt": [n, "Arn"]} for n in rules]}}
    ingestion = _functions()["ActivityIngestionFunction"]["Properties"]
    (source,) = ingestion["Events"].values()
    assert source["Type"] == "SQS" and source["Properties"]["Queue"] == {"Fn::GetAtt": ["IngestionQueue", "Arn"]}
    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    relay = _functions()["RegistrationChangesFunction"]["Properties"]
    assert {e["Type"] for e in relay["Events"].values()} == {"DynamoDB"}
    for function in (ingestion, relay):
        assert "EventInvokeConfig" not in function
    permitted = [p["Properties"]["FunctionName"] for p in _of_type("AWS::Lambda::Permission").values()]
    assert not [p for p in permitted if "ActivityIngestion" in str(p) or "RegistrationChanges" in str(p)]
    queue = RESOURCES["IngestionQueue"]["Properties"]
    timeout = next(f.timeout for f in TEMPLATE.functions() if f.logical_id == "ActivityIngestionFunction")
    assert queue["VisibilityTimeout"] >= 6 * timeout  # what Lambda asks of a queue it reads


def test_the_day_quota_alarms_fire_where_the_quota_says_and_reach_a_person() -> None:
    """Q3: one alarm before sellers' reads are held for the day, one at 80 % of the day."""
    thresholds = {}
    for name in ("AdsQuotaReadsAlarm", "AdsQuotaDayAlarm"):
        alarm = RESOURCES[name]["Properties"]
        assert alarm["MetricName"] == "AdsQuotaUsedToday" and alarm["Statistic"] == "Maximum"
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["AlarmActions"] == [{"Ref": "OnCallTopic"}]
        thresholds[name] = alarm["Threshold"]
    assert (thresholds["AdsQuotaReadsAlarm"], thresholds["AdsQuotaDayAlarm"]) == DAY_ALARMS
    assert DAY_ALARMS[0] < 100 * SHARES[Purpose.READ] and DAY_ALARMS[1] == 80


def test_every_dead_letter_queue_has_an_alarm() -> None:
    watched = {
        alarm["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for alarm in _of_type("AWS::CloudWatch::Alarm").values()
        if alarm["Properties"]["Namespace"] == "AWS/SQS"
    }
    assert watched == set(_of_type("AWS::SQS::Queue"))


def test_every_asynchronous_path_ends_in_a_watched_queue() -> None:
    """Issue 24: nothing EventBridge, the Scheduler, Lambda's async invocations or a stream gives up on vanishes."""
    queues = set(_of_type("AWS::SQS::Queue"))
    targets = {
        f"{name}.{target['Id']}": target
        for name, rule in _of_type("AWS::Events::Rule").items()
        for target in rule["Properties"]["Targets"]
    }
    rules_and_schedules = _events("EventBridgeRule") | _events("ScheduleV2") | targets
    assert len(rules_and_schedules) == 6
    for name, event in rules_and_schedules.items():
        assert event["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0] in queues, name
    for name, event in _events("SQS").items():  # what a queue's reader keeps failing moves on, watched
        queue = RESOURCES[event["Queue"]["Fn::GetAtt"][0]]["Properties"]
        assert queue["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0] in queues, name
    streams = _events("DynamoDB")
    assert len(streams) == 2
    for name, event in streams.items():
        assert event["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0] in queues, name
    # Invoked asynchronously: by a rule, or by another function (the retry sweep, the final pass's fan-out).
    granted = [s for n in _functions() for s in TEMPLATE.role_statements(n)] + [
        s
        for policy in _of_type("AWS::IAM::Policy").values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    invoked = {name.split(".")[0] for name in _events("EventBridgeRule")} | {
        s["Resource"]["Fn::GetAtt"][0] for s in granted if "lambda:InvokeFunction" in _actions(s)
    }
    assert {"AutoCreationFunction", "RewardEvaluationFunction"} <= invoked
    for name in invoked:
        config = _functions()[name]["Properties"]["EventInvokeConfig"]
        assert config["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0] in queues, name


def test_only_the_buss_rules_may_send_to_the_delivery_dead_letter_queue() -> None:
    (statement,) = RESOURCES["DeliveryDeadLetterQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert "rule/${MissionEventBus}/*" in statement["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Sub"]


def test_every_stream_consumer_has_an_iterator_age_alarm_that_reaches_a_person() -> None:
    consumers = {name.split(".")[0] for name in _events("DynamoDB")}
    watched = {
        alarm["Properties"]["Dimensions"][0]["Value"]["Ref"]
        for alarm in _of_type("AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("MetricName") == "IteratorAge" and alarm["Properties"]["AlarmActions"]
    }
    assert watched == consumers


def _key_statements(key: str) -> list[dict[str, Any]]:
    return list(RESOURCES[key]["Properties"]["KeyPolicy"]["Statement"])


def test_only_the_reward_granting_seals_and_only_the_sellers_reward_read_opens_voucher_codes() -> None:
    """Issue 24: voucher codes are sealed under a key of their own; the two functions are named by the key."""
    statements = _key_statements("VoucherKey")
    using = {
        action: [p["Fn::GetAtt"][0] for s in statements if action in _actions(s) for p in [s["Principal"]["AWS"]]]
        for action in ("kms:Encrypt", "kms:Decrypt")
    }
    assert using == {"kms:Encrypt": ["RewardEvaluationRole"], "kms:Decrypt": ["ProgressFunctionRole"]}
    for function in ("RewardEvaluationFunction", "ProgressFunction"):
        variables = _functions()[function]["Properties"]["Environment"]["Variables"]
        assert variables["VOUCHER_KEY_ID"] == {"Ref": "VoucherKey"}


@pytest.mark.parametrize("key", ["AdsTokenKey", "VoucherKey", "OnCallTopicKey"])
def test_key_administrators_are_named_actions_and_grants_go_only_to_aws_services(key: str) -> None:
    """Issue 24: no wildcard lets an administrator grant itself a use of the key."""
    statements = _key_statements(key)
    actions = {a for s in statements for a in _actions(s)}
    assert not [a for a in actions if a.endswith("*") and a != "kms:GenerateDataKey*"]
    (grant,) = [s for s in statements if "kms:CreateGrant" in _actions(s)]
    assert grant["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}


_WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}


def _writable(name: str, partition: str) -> bool:
    return any(
        fnmatch.fnmatchcase(partition, pattern)
        for s in TEMPLATE.role_statements(name)
        if _actions(s) & _WRITES
        for pattern in s["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    )


def test_every_functions_writes_are_confined_to_the_partitions_it_writes() -> None:
    """Issue 24: with LeadingKeys on every write, a function's role cannot rewrite a mission or a benchmark it
    has no business with (the local stack enforces these statements on every request, tools/local_stack/iam.py)."""
    writers = [n for n in _functions() if any(_actions(s) & _WRITES for s in TEMPLATE.role_statements(n))]
    assert len(writers) == 8
    for name in writers:
        for statement in TEMPLATE.role_statements(name):
            if _actions(statement) & _WRITES:
                assert statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"], name
    assert [n for n in writers if _writable(n, "BENCHMARK#ID#LIVE")] == ["MissionAdminFunction"]
    # The final pass keeps its progress on the mission's item.
    assert {n for n in writers if _writable(n, "MISSION#M1")} == {"MissionAdminFunction", "RewardEvaluationFunction"}
    assert not any(_writable(n, "SELLER#S1") for n in ("MissionAdminFunction", "EligibilityFunction"))
