"""Reads template.yaml, the one source of truth for resources, and resolves it for the local stack."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref, !GetAtt, !Sub, ...) read as their long form."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


@dataclass
class HttpRoute:
    method: str
    path: str
    function: str
    operator_only: bool
    scopes: tuple[str, ...] = ()  # a token must carry one of them (JWT authorizer), when any
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path))
        self.pattern = re.compile(f"^{regex}$")

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class FunctionSpec:
    logical_id: str
    code_dir: Path
    handler: str
    environment: dict[str, str]
    events: dict[str, dict[str, Any]]
    timeout: int = 3
    memory_size: int = 128
    reserved_concurrency: int | None = None

    @property
    def name(self) -> str:
        """`registration` for `functions/registration/`: how developers name a function."""
        return self.code_dir.name


class Template:
    def __init__(self, path: Path = TEMPLATE, parameter_overrides: dict[str, str] | None = None) -> None:
        self.raw = yaml.load(path.read_text(), Loader=_CfnLoader)  # noqa: S506 - our own loader, SafeLoader based
        self.resources: dict[str, dict[str, Any]] = self.raw["Resources"]
        self.parameters = {
            name: str(spec.get("Default", "")) for name, spec in (self.raw.get("Parameters") or {}).items()
        }
        self.parameters.update(parameter_overrides or {})
        self.physical_names: dict[str, str] = {}

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == resource_type}

    def resolve(self, value: Any) -> Any:
        """Ref, GetAtt and Sub against local physical names, parameters and pseudo parameters."""
        if isinstance(value, dict) and len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self._ref(arg)
            if key == "Fn::Join":
                separator, parts = arg
                resolved = self.resolve(parts)
                return separator.join(resolved if isinstance(resolved, list) else [resolved])
            if key == "Fn::GetAtt":
                return self.physical_names.get(f"{arg[0]}.{arg[1]}", f"{arg[0]}.{arg[1]}")
            if key == "Fn::Sub":
                text = arg if isinstance(arg, str) else arg[0]
                return re.sub(r"\$\{([^}]+)\}", lambda m: str(self._sub(m.group(1))), text)
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def _ref(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        pseudo = {
            "AWS::StackName": "local",
            "AWS::Region": "us-east-1",
            "AWS::AccountId": "123456789012",
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name in pseudo:
            return pseudo[name]
        return self.physical_names.get(name, name)

    def _sub(self, name: str) -> str:
        if "." in name:
            return str(self.resolve({"Fn::GetAtt": name.split(".", 1)}))
        return self._ref(name)

    def functions(self) -> list[FunctionSpec]:
        """Each function with SAM's Globals applied, resolved (Ref, Sub) as far as the local stack knows."""
        globals_ = self.raw.get("Globals", {}).get("Function", {}) or {}
        global_env = (globals_.get("Environment") or {}).get("Variables", {})
        specs = []
        for logical_id, resource in self.of_type("AWS::Serverless::Function").items():
            props = resource["Properties"]
            env = {**global_env, **((props.get("Environment") or {}).get("Variables") or {})}
            reserved = self.resolve(props.get("ReservedConcurrentExecutions"))
            specs.append(
                FunctionSpec(
                    logical_id=logical_id,
                    code_dir=ROOT / props["CodeUri"],
                    handler=props.get("Handler", "app.lambda_handler"),
                    environment={k: str(self.resolve(v)) for k, v in env.items()},
                    events=props.get("Events") or {},
                    timeout=int(self.resolve(props.get("Timeout", globals_.get("Timeout", 3)))),
                    memory_size=int(self.resolve(props.get("MemorySize", globals_.get("MemorySize", 128)))),
                    reserved_concurrency=int(reserved) if reserved is not None else None,
                )
            )
        return specs

    def role_statements(self, logical_id: str) -> list[dict[str, Any]]:
        """Every IAM statement a function's role holds, unresolved, whether SAM builds the role from the
        function's Policies or the template declares it (`Role: !GetAtt SomeRole.Arn`)."""
        properties = self.resources[logical_id]["Properties"]
        if "Role" in properties:
            role = self.resources[properties["Role"]["Fn::GetAtt"][0]]["Properties"]
            return [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]
        return [s for policy in properties.get("Policies", []) for s in policy.get("Statement", [])]

    def http_routes(self) -> list[HttpRoute]:
        routes = []
        for function in self.functions():
            for event in function.events.values():
                if event["Type"] != "HttpApi":
                    continue
                props = event["Properties"]
                auth = props.get("Auth") or {}
                scopes = tuple(str(self.resolve(scope)) for scope in auth.get("AuthorizationScopes") or ())
                routes.append(
                    HttpRoute(
                        props["Method"].upper(),
                        props["Path"],
                        function.name,
                        auth.get("Authorizer") == "AWS_IAM",
                        scopes,
                    )
                )
        return routes
