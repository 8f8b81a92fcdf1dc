"""Starts the whole local stack in this process (used by `make run` and `make bench`)."""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path

from tools.ads_sandbox.server import AdsSandbox

from .auth import LocalAuthority
from .aws import CREDENTIALS, MotoServer, create_resources
from .clock import LocalClock
from .containers import Containers
from .dispatcher import Dispatcher
from .gateway import Gateway
from .template import ROOT, Template


@dataclass
class LocalStack:
    api_url: str
    sandbox_url: str
    moto: MotoServer
    sandbox: AdsSandbox
    clock: LocalClock
    containers: Containers
    dispatcher: Dispatcher
    server: ThreadingHTTPServer
    authority: LocalAuthority
    stopping: threading.Event

    def stop(self) -> None:
        """Stops serving and delivering, so a process can start another stack (make bench)."""
        self.stopping.set()
        self.server.shutdown()
        self.sandbox.shutdown()
        self.moto.reset()
        self.moto.stop()


def start_local_stack(api_port: int, sandbox_port: int) -> LocalStack:
    # Powertools warns on every invocation that records no metric; locally that is noise.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    sys.path.insert(0, str(ROOT / "layers" / "domain"))
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"

    moto = MotoServer()
    moto.start()
    # One retry shard locally: the scheduled retry queries each shard every minute, and moving the
    # clock through days should stay quick. Deployed, RetryShards defaults to 8.
    template = Template(
        parameter_overrides={
            "AdsBaseUrl": sandbox_url,
            "RetryShards": os.environ.get("LOCAL_RETRY_SHARDS", "1"),
            # Locally every container shares one process, so this is the whole stack's Ads rate (0: none).
            "AdsRequestsPerSecond": os.environ.get("LOCAL_ADS_REQUESTS_PER_SECOND", "0"),
        }
    )
    create_resources(moto.client("dynamodb"), moto.client("events"), template, moto.client("sqs"))
    clock = LocalClock(Path(tempfile.mkdtemp(prefix="live-gmv-max-mission-")) / "clock")

    # The handlers' environment: the template's, resolved to local names, plus what only exists here.
    for function in template.functions():
        os.environ.update(function.environment)
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": moto.url,
            "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
            "AWS_DEFAULT_REGION": CREDENTIALS["region_name"],
            "ADS_ACCESS_TOKEN_PARAMETER": "",
            "ADS_ACCESS_TOKEN": os.environ.get("SANDBOX_TOKEN", "local-sandbox-token"),
            "ADS_READ_TIMEOUT_SECONDS": os.environ.get("ADS_READ_TIMEOUT_SECONDS", "1.0"),
            "SERVICE_CLOCK_FILE": str(clock.path),
            "POWERTOOLS_METRICS_DISABLED": os.environ.get("POWERTOOLS_METRICS_DISABLED", "true"),
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        }
    )

    # Settings are read once per process; a second stack in the same process (make bench) has new ports.
    from live_mission.settings import load_settings

    load_settings.cache_clear()

    sandbox = AdsSandbox(
        required_token=os.environ.get("SANDBOX_TOKEN") or None,
        timeout_seconds=float(os.environ.get("SANDBOX_TIMEOUT_SECONDS", "1.5")),
    )
    sandbox.serve(port=sandbox_port)

    containers = Containers(template.functions(), size=int(os.environ.get("LOCAL_CONTAINERS", "8")))
    dispatcher = Dispatcher(template, moto, containers, clock)
    authority = LocalAuthority(
        clock, issuer=f"http://127.0.0.1:{api_port}/_local", audience=template.parameters["JwtAudience"]
    )
    gateway = Gateway(template.http_routes(), containers, dispatcher, clock, authority, moto.client("events"))
    server = gateway.serve("127.0.0.1", api_port)
    threading.Thread(target=server.serve_forever, name="gateway", daemon=True).start()

    stopping = threading.Event()

    def forever(name: str, step: Callable[[], int]) -> None:
        """Repeats a step until the stack stops, resting while it finds nothing to do; a failure is
        recorded (GET /_local/drain shows it) and the loop goes on."""
        while not stopping.is_set():
            try:
                if step() == 0:
                    time.sleep(0.1)
            except Exception as error:  # noqa: BLE001 - keep going; the failure is recorded
                dispatcher.failures.append({"function": name, "error": repr(error)})
                time.sleep(0.5)

    # Deliveries (streams, rule queues), and the bus archive beside them: a long delivery backlog
    # must not leave the archive queue growing.
    for name, step in (("dispatcher", dispatcher.pump), ("bus-archive", dispatcher.keep_archived_events)):
        threading.Thread(target=forever, args=(name, step), name=name, daemon=True).start()
    gateway.ready = True
    return LocalStack(
        f"http://127.0.0.1:{api_port}",
        sandbox_url,
        moto,
        sandbox,
        clock,
        containers,
        dispatcher,
        server,
        authority,
        stopping,
    )
