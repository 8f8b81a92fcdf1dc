"""Starts the whole local stack (used by `make run`, `make chaos`, `make bench` and the e2e tests)."""

from __future__ import annotations

import errno
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer

from tools.ads_sandbox.server import AdsSandbox

from .auth import LocalAuthority
from .aws import CREDENTIALS, MotoServer, create_resources
from .clock import LocalClock
from .dispatcher import Dispatcher
from .gateway import Gateway
from .http_api import OPERATOR_ARN
from .invoke_api import InvokeApi
from .lambda_service import LambdaService
from .template import Template

# What the local stack changes in the template's parameters (a default of None keeps the template's), and why.
LOCAL_PARAMETERS: dict[str, tuple[str, str | None]] = {
    # Few retry index shards: every minute the scheduler looks at each, and a simulated day should be quick.
    "RetryShards": ("LOCAL_RETRY_SHARDS", "2"),
    # The fleet's Ads quota: the template's (TikTok's Basic tier) unless the environment says otherwise.
    "AdsQuotaPerSecond": ("ADS_QUOTA_PER_SECOND", None),
    "AdsQuotaPerMinute": ("ADS_QUOTA_PER_MINUTE", None),
    "AdsQuotaPerDay": ("ADS_QUOTA_PER_DAY", None),
}


def _listed(text: str) -> dict[str, str]:
    """`Name=value,Name=value`: any template parameter, for runs that need other values (bench, chaos)."""
    pairs = (item.split("=", 1) for item in text.split(",") if "=" in item)
    return {name.strip(): value.strip() for name, value in pairs}


STOP_STEP_SECONDS = 3.0  # the longest any one step of a stop may take (a server, the containers, the emulator)


class PortInUse(SystemExit):
    """A port of the stack is taken: most likely another `make run` is up."""


class _Deferred:
    """A WSGI app known only after its server has a port (the functions need the port first)."""

    app: Any = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.app(environ, start_response)


@dataclass
class LocalStack:
    api_url: str
    sandbox_url: str
    moto: MotoServer
    sandbox: AdsSandbox
    clock: LocalClock
    lambdas: LambdaService
    dispatcher: Dispatcher
    servers: list[BaseWSGIServer]
    authority: LocalAuthority
    stopping: threading.Event
    run_dir: Path

    @property
    def log_dir(self) -> Path:
        return self.run_dir / "logs"

    def stop(self, *, keep_logs: bool = False) -> None:
        """Stops serving, delivering and every container, ends the emulator and removes the run's temporary
        folder (its function logs with it, unless `keep_logs`), so a process can start another stack (make
        bench). Each step is bounded: a stop never hangs on one of them."""
        self.stopping.set()
        steps: list[Callable[[], Any]] = [
            *(server.shutdown for server in self.servers),
            self.dispatcher.stop,
            self.lambdas.stop,
            self.sandbox.shutdown,
            self.moto.stop,
        ]
        for step in steps:
            worker = threading.Thread(target=step, daemon=True)
            worker.start()
            worker.join(timeout=STOP_STEP_SECONDS)
        if keep_logs:
            (self.run_dir / "clock").unlink(missing_ok=True)
        else:
            shutil.rmtree(self.run_dir, ignore_errors=True)


def _bind(port: int, what: str, serve: Callable[[], Any]) -> Any:
    busy = PortInUse(
        f"Port {port} ({what}) is already in use: a local stack may already be running "
        f"(`make run`), or set another port ({'API_PORT' if 'API' in what else 'SANDBOX_PORT'}=...)."
    )
    with socket.socket() as probe:  # werkzeug would print its own message and exit: ask first
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a closed server's TIME_WAIT is no owner
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise busy from None
            raise
    try:
        return serve()
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise busy from None
        raise


def start_local_stack(api_port: int, sandbox_port: int) -> LocalStack:
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    clock_holder: list[LocalClock] = []  # the sandbox counts the UTC day of the service clock, made below
    sandbox = AdsSandbox(
        today=lambda: clock_holder[0].now().astimezone(UTC).date() if clock_holder else datetime.now(UTC).date(),
        required_token=os.environ.get("SANDBOX_TOKEN") or None,
        # Well past the functions' read timeout (ADS_READ_TIMEOUT_SECONDS, 1.0 below): a container kept off
        # the CPU for half a second on a loaded machine would otherwise still read a "timed out" answer.
        timeout_seconds=float(os.environ.get("SANDBOX_TIMEOUT_SECONDS", "2.5")),
    )
    _bind(sandbox_port, "Ads sandbox", lambda: sandbox.serve(port=sandbox_port))
    invoke_app = _Deferred()
    invoke_server = InvokeApi.serve_app(invoke_app)

    moto = MotoServer()
    moto.start()
    overrides = {
        name: value
        for name, (variable, default) in LOCAL_PARAMETERS.items()
        if (value := os.environ.get(variable, default)) is not None
    }
    template = Template(
        parameter_overrides={
            "AdsBaseUrl": sandbox_url,
            "JwtIssuer": f"http://127.0.0.1:{api_port}/_local",
            "OperatorPrincipalArns": OPERATOR_ARN,
            # Locally the test and /_local/events put upstream events; no bus policy is emulated.
            "ShopLivePrincipalArns": "arn:aws:iam::123456789012:role/local-shop-live",
            "AdsGmvMaxPrincipalArns": "arn:aws:iam::123456789012:role/local-gmv-max-reporting",
            "AlarmEmail": "on-call@localhost",
            **overrides,
            **_listed(os.environ.get("LOCAL_TEMPLATE_PARAMETERS", "")),
        }
    )
    create_resources(moto.client("dynamodb"), moto.client("events"), template, moto.client("sqs"), moto.client("kms"))
    run_dir = Path(tempfile.mkdtemp(prefix="live-gmv-max-mission-"))
    clock = LocalClock(run_dir / "clock")
    clock_holder.append(clock)

    # What only exists here: the emulator's endpoints (the functions' own, where faults are injected),
    # the sandbox's token, the service clock. Everything else is the template's, resolved.
    local_environment = {
        "AWS_ENDPOINT_URL": moto.functions_url,
        "AWS_ENDPOINT_URL_LAMBDA": f"http://127.0.0.1:{invoke_server.server_port}",
        "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
        "ADS_ACCESS_TOKEN_PARAMETER": "",
        "ADS_ACCESS_TOKEN": os.environ.get("SANDBOX_TOKEN", "local-sandbox-token"),
        "ADS_READ_TIMEOUT_SECONDS": os.environ.get("ADS_READ_TIMEOUT_SECONDS", "1.0"),
        "SERVICE_CLOCK_FILE": str(clock.path),
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
    }
    functions = template.functions()
    # Each function signs with an access key of its own, so that its role decides its table requests (iam.py).
    moto.govern(template, {f.logical_id: f.logical_id for f in functions})
    lambdas = LambdaService(
        functions,
        {f.name: {**f.environment, **local_environment, "AWS_ACCESS_KEY_ID": f.logical_id} for f in functions},
        run_dir / "logs",
    )
    dispatcher = Dispatcher(template, moto, lambdas, clock)
    invoke_app.app = InvokeApi(lambdas, dispatcher)
    authority = LocalAuthority(
        clock,
        issuer=template.parameters["JwtIssuer"],
        audience=template.parameters["JwtAudience"],
        seller_scope=template.parameters["JwtSellerScope"],
    )
    gateway = Gateway(template.http_routes(), lambdas, dispatcher, clock, authority, moto.client("events"), moto.faults)
    api_server = _bind(api_port, "API", lambda: gateway.serve("127.0.0.1", api_port))
    servers: list[BaseWSGIServer] = [api_server, invoke_server]
    for name, server in (("gateway", api_server), ("invoke-api", invoke_server)):
        threading.Thread(target=server.serve_forever, name=name, daemon=True).start()

    stopping = threading.Event()

    def forever(name: str, step: Callable[[], int]) -> None:
        """Repeats a step until the stack stops, resting while it finds nothing to do; a failure is
        recorded (POST /_local/drain shows it) and the loop goes on."""
        while not stopping.is_set():
            try:
                if step() == 0:
                    time.sleep(0.05)
            except Exception as error:  # noqa: BLE001 - keep going; the failure is recorded
                dispatcher.failures.append({"function": name, "error": repr(error)})
                time.sleep(0.5)

    threading.Thread(target=forever, args=("dispatcher", dispatcher.pump), name="dispatcher", daemon=True).start()
    gateway.ready = True
    return LocalStack(
        f"http://127.0.0.1:{api_port}",
        sandbox_url,
        moto,
        sandbox,
        clock,
        lambdas,
        dispatcher,
        servers,
        authority,
        stopping,
        run_dir,
    )
