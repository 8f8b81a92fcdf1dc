"""The local Lambda service: each function's containers are processes of their own, running AWS's
runtime interface client for Python (`awslambdaric`) against a Lambda Runtime API served here.

As Lambda does:
- a container serves one invocation at a time; a warm one is reused (the most recently used first);
- concurrency starts more containers, each with a real cold start (module import, first adapters),
  up to the function's ReservedConcurrentExecutions, or 10 (this machine's limit, not the cloud's);
- a synchronous invocation that finds every container busy at the function's ReservedConcurrentExecutions
  is throttled (`TooManyRequestsException`), as Lambda throttles it; at the machine's limit of 10,
  where the cloud would start another container, it waits for one instead. Event source mappings and
  asynchronous invocations always wait;
- an invocation that outlives the function's Timeout ends the container (`Task timed out`);
- module state, the Lambda context and log keys live and die with the container's process.

Each container has its own Runtime API endpoint (a loopback port), so the service always knows which
container asks for its next invocation. The Runtime API answers in HTTP/1.1: awslambdaric's client
crashes on HTTP/1.0 answers.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .template import ROOT, FunctionSpec

RUNTIME_PATH = "/2018-06-01/runtime"
DEFAULT_CONCURRENCY = 10
INIT_TIMEOUT_SECONDS = 60.0
OUTPUT_QUIET_SECONDS = 0.02  # a process's output is taken as read once nothing more came for this long
ACCOUNT = "123456789012"
REGION = "us-east-1"


class Throttled(Exception):
    """Lambda's TooManyRequestsException: every container of the function is busy at its limit."""


@dataclass
class Invocation:
    request_id: str
    payload: bytes
    deadline_ms: int
    done: threading.Event = field(default_factory=threading.Event)
    result: bytes | None = None
    error: dict[str, Any] | None = None
    logs: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.error is not None

    def value(self) -> Any:
        """The function's answer, parsed; raises FunctionError when the function failed."""
        if self.error is not None:
            raise FunctionError(self.error)
        return json.loads(self.result) if self.result else None


class FunctionError(Exception):
    """The function raised, timed out or crashed; `detail` is what Lambda reports."""

    def __init__(self, detail: dict[str, Any]) -> None:
        super().__init__(f"{detail.get('errorType', 'Error')}: {detail.get('errorMessage', '')}")
        self.detail = detail


class _RuntimeApi(ThreadingHTTPServer):
    daemon_threads = True
    container: Container

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a container killed mid-request (timeout, shutdown) resets its connection: expected


class _RuntimeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _RuntimeApi

    def log_message(self, *args: Any) -> None:
        return

    def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path != f"{RUNTIME_PATH}/invocation/next":
            self._reply(404)
            return
        invocation = self.server.container.next_invocation()
        if invocation is None:  # the container is being shut down
            self._reply(500, b'{"errorMessage": "shutting down"}')
            return
        container = self.server.container
        self._reply(
            200,
            invocation.payload,
            {
                "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": container.function.arn,
                "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0",
            },
        )

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = self.path.removeprefix(RUNTIME_PATH).strip("/").split("/")
        container = self.server.container
        if parts == ["init", "error"]:
            container.init_failed(_error_of(body))
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] == "response":
            container.finished(parts[1], result=body)
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] == "error":
            container.finished(parts[1], error=_error_of(body))
        else:
            self._reply(404)
            return
        self._reply(202, b'{"status": "OK"}')


def _error_of(body: bytes) -> dict[str, Any]:
    try:
        detail = json.loads(body or b"{}")
    except ValueError:
        detail = {"errorMessage": body.decode("utf-8", "replace")}
    return detail if isinstance(detail, dict) else {"errorMessage": str(detail)}


class Container:
    """One execution environment: a process running awslambdaric, one invocation at a time."""

    _numbers = itertools.count(1)

    def __init__(self, function: LocalFunction) -> None:
        self.function = function
        self.number = next(self._numbers)
        self._lock = threading.Condition()
        self._pending: Invocation | None = None
        self._current: Invocation | None = None
        self._ready = threading.Event()
        self._init_error: dict[str, Any] | None = None
        self.alive = True
        self.invocations = 0
        self.cold_start_ms: float | None = None
        # What the process printed and not yet handed to an invocation (one invocation at a time: its own).
        self._output: list[str] = []
        self._output_lock = threading.Lock()
        self._last_output = time.monotonic()
        self._server = _RuntimeApi(("127.0.0.1", 0), _RuntimeHandler)
        self._server.container = self
        threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"runtime-api-{self.number}",
            daemon=True,
        ).start()
        self._started = time.perf_counter()
        self.process = subprocess.Popen(  # noqa: S603 - our interpreter running AWS's runtime client
            [sys.executable, "-m", "awslambdaric", function.spec.handler],
            cwd=function.spec.code_dir,
            env=function.container_environment(f"127.0.0.1:{self._server.server_port}"),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            process_group=0,  # a Ctrl-C at the terminal is the stack's to handle, not each container's
        )
        threading.Thread(target=self._read_output, name=f"container-log-{self.number}", daemon=True).start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def scheduled_seconds(self) -> tuple[float, float]:
        """The process's time on the CPU so far, and waiting for one (runnable, while this machine ran
        something else), summed over its threads from Linux's scheduler statistics. The bench prices them
        apart: Lambda gives a function CPU in proportion to its memory, and no cloud container waits for
        the CPU behind its neighbours as the processes of this one machine do."""
        on_cpu = runnable = 0
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{self.pid}/task").iterdir():
                with contextlib.suppress(OSError, ValueError, IndexError):
                    fields = (task / "schedstat").read_text().split()
                    on_cpu, runnable = on_cpu + int(fields[0]), runnable + int(fields[1])
        return on_cpu / 1e9, runnable / 1e9

    # --- the Runtime API's side ------------------------------------------------------------------

    def next_invocation(self) -> Invocation | None:
        """awslambdaric asks for work: the first time, its init is done (the cold start ends)."""
        if not self._ready.is_set():
            self.cold_start_ms = round((time.perf_counter() - self._started) * 1000, 1)
            self._ready.set()
        with self._lock:
            while self.alive and self._pending is None:
                self._lock.wait(timeout=1.0)
            if not self.alive:
                return None
            self._current, self._pending = self._pending, None
            return self._current

    def finished(self, request_id: str, *, result: bytes | None = None, error: dict[str, Any] | None = None) -> None:
        with self._lock:
            invocation = self._current
            if invocation is None or invocation.request_id != request_id:
                return
            self._current = None
        invocation.result, invocation.error = result, error
        invocation.done.set()

    def init_failed(self, error: dict[str, Any]) -> None:
        self._init_error = error
        self._ready.set()

    # --- the service's side ----------------------------------------------------------------------

    def wait_until_ready(self) -> None:
        """The cold start: returns once awslambdaric has imported the handler; raises if init failed."""
        deadline = time.monotonic() + INIT_TIMEOUT_SECONDS
        while not self._ready.wait(timeout=0.05):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise FunctionError(
                    {"errorType": "Runtime.ExitError", "errorMessage": "the runtime exited during init"}
                )
        if self._init_error is not None:
            self.stop()
            raise FunctionError({"errorType": "Runtime.InitError", **self._init_error})

    def run(self, invocation: Invocation, timeout_seconds: float) -> None:
        """Hands the invocation to the process and waits for its answer, as long as the function may run.
        Its logs are what the process printed meanwhile, between Lambda's START and REPORT lines."""
        with self._output_lock:
            self._output.clear()  # printed before this invocation: the init's, already in the function's log
        self._note(f"START RequestId: {invocation.request_id} Version: $LATEST")
        began = time.perf_counter()
        with self._lock:
            self._pending = invocation
            self._lock.notify_all()
        deadline = time.monotonic() + timeout_seconds
        while not invocation.done.wait(timeout=0.05):
            if self.process.poll() is not None:
                invocation.error = {"errorType": "Runtime.ExitError", "errorMessage": "the runtime exited"}
                self.stop()
                break
            if time.monotonic() > deadline:
                invocation.error = {
                    "errorType": "Sandbox.Timedout",
                    "errorMessage": f"Task timed out after {timeout_seconds:.2f} seconds",
                }
                self.stop()  # Lambda ends the execution environment of a timed-out invocation
                break
        took_ms = (time.perf_counter() - began) * 1000
        self._settle_output()
        self._note(f"END RequestId: {invocation.request_id}")
        init = f"\tInit Duration: {self.cold_start_ms:.2f} ms" if self.invocations == 0 and self.cold_start_ms else ""
        self._note(
            f"REPORT RequestId: {invocation.request_id}\tDuration: {took_ms:.2f} ms\t"
            f"Billed Duration: {math.ceil(took_ms)} ms\tMemory Size: {self.function.spec.memory_size} MB\t"
            f"Max Memory Used: {self._peak_memory_mb()} MB{init}"
        )
        self.invocations += 1
        with self._output_lock:
            invocation.logs, self._output = self._output, []

    def _note(self, line: str) -> None:
        """A line of Lambda's own, in the function's log and the invocation's, as Lambda writes them."""
        self.function.log(line)
        with self._output_lock:
            self._output.append(line)

    def _settle_output(self) -> None:
        """Waits (at most half a second) until the process's output has been read: what the handler printed
        before it answered is still in the pipe for a moment."""
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline and time.monotonic() - self._last_output < OUTPUT_QUIET_SECONDS:
            time.sleep(OUTPUT_QUIET_SECONDS / 2)

    def _peak_memory_mb(self) -> int:
        with contextlib.suppress(OSError, ValueError, IndexError):
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
        return 0

    def stop(self) -> None:
        with self._lock:
            self.alive = False
            self._lock.notify_all()
        if self.process.poll() is None:
            self.process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
        self._server.shutdown()
        self._server.server_close()

    def _read_output(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.function.log(line)
            with self._output_lock:
                self._output.append(line)
                self._last_output = time.monotonic()


class LocalFunction:
    """A function of the template and its containers."""

    def __init__(self, spec: FunctionSpec, environment: dict[str, str], log_dir: Path) -> None:
        self.spec = spec
        self.name = spec.name
        self.arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{spec.logical_id}"
        reserved = spec.reserved_concurrency
        self.concurrency = min(reserved or DEFAULT_CONCURRENCY, DEFAULT_CONCURRENCY)
        # Throttled as Lambda throttles only at a limit the template declares.
        self.throttles = reserved is not None and reserved <= DEFAULT_CONCURRENCY
        self.timeout_seconds = float(spec.timeout)
        self._environment = environment
        self._lock = threading.Condition()
        self._idle: list[Container] = []
        self._busy: set[Container] = set()
        self._starting = 0
        self.retired: list[Container] = []
        self._log_file = (log_dir / f"{self.name}.log").open("a", encoding="utf-8")
        self._log_lock = threading.Lock()
        self.invocations = 0
        self.seconds = 0.0  # wall time of the invocations
        self.cpu_seconds = 0.0  # of which the containers' processes were on the CPU
        self.runnable_seconds = 0.0  # and waited for one, behind the other processes of this machine

    def container_environment(self, runtime_api: str) -> dict[str, str]:
        """What Lambda sets in an execution environment, plus the function's own variables."""
        layer = ROOT / "layers" / "domain"  # deployed, the layer is unpacked under /opt/python
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "PYTHONPATH": f"{self.spec.code_dir}:{layer}",
            "PYTHONUNBUFFERED": "1",
            "LAMBDA_TASK_ROOT": str(self.spec.code_dir),
            "_HANDLER": self.spec.handler,
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            "AWS_LAMBDA_FUNCTION_NAME": self.spec.logical_id,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.spec.memory_size),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.spec.logical_id}",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            **self._environment,
        }

    # --- invocations -----------------------------------------------------------------------------

    def invoke(self, event: Any, *, wait_for_container: bool) -> Invocation:
        """Runs one invocation. Synchronous callers (`wait_for_container=False`) are throttled when every
        container is busy at the limit; pollers and the asynchronous queue wait for one instead."""
        container = self._take(wait_for_container)
        payload = json.dumps(event, default=str).encode()
        invocation = Invocation(
            request_id=str(uuid.uuid4()),
            payload=payload,
            deadline_ms=int((time.time() + self.timeout_seconds) * 1000),
        )
        started, (cpu_before, runnable_before) = time.perf_counter(), container.scheduled_seconds()
        try:
            container.run(invocation, self.timeout_seconds)
        finally:
            cpu_after, runnable_after = container.scheduled_seconds()
            self._give_back(container)
            with self._lock:
                self.invocations += 1
                self.seconds += time.perf_counter() - started
                if cpu_after:  # else the container has ended: what it used is unknown, counted as none
                    self.cpu_seconds += max(cpu_after - cpu_before, 0.0)
                    self.runnable_seconds += max(runnable_after - runnable_before, 0.0)
        return invocation

    def _take(self, wait: bool) -> Container:
        with self._lock:
            while True:
                under_limit = len(self._busy) + self._starting < self.concurrency
                while under_limit and self._idle:
                    container = self._idle.pop()  # the warmest first
                    if container.alive:
                        self._busy.add(container)
                        return container
                if under_limit:
                    self._starting += 1
                    break
                if not wait and self.throttles:
                    raise Throttled(f"{self.name}: {self.concurrency} concurrent executions in use")
                self._lock.wait(timeout=1.0)
        try:
            container = Container(self)
            container.wait_until_ready()
        except BaseException:
            with self._lock:
                self._starting -= 1
                self._lock.notify_all()
            raise
        with self._lock:
            self._starting -= 1
            self._busy.add(container)
        return container

    def _give_back(self, container: Container) -> None:
        with self._lock:
            self._busy.discard(container)
            if container.alive:
                self._idle.append(container)
            else:
                self.retired.append(container)
            self._lock.notify_all()

    @property
    def busy(self) -> int:
        with self._lock:
            return len(self._busy) + self._starting

    def containers(self) -> list[Container]:
        with self._lock:
            return [*self._busy, *self._idle]

    def log(self, line: str) -> None:
        with self._log_lock:
            self._log_file.write(line + "\n")
            self._log_file.flush()

    def stop(self) -> None:
        containers = self.containers()
        for container in containers:
            container.process.kill()  # all at once; then each is reaped
        for container in containers:
            container.stop()
        self._log_file.close()


class LambdaService:
    """Every function of the template, by its short name (`registration`) and its logical id."""

    def __init__(self, specs: list[FunctionSpec], environment: dict[str, dict[str, str]], log_dir: Path) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir = log_dir
        self.functions = {spec.name: LocalFunction(spec, environment[spec.name], log_dir) for spec in specs}
        self._by_any_name = {
            alias: function
            for function in self.functions.values()
            for alias in (function.name, function.spec.logical_id, function.arn)
        }

    @property
    def names(self) -> list[str]:
        return sorted(self.functions)

    def function(self, name: str) -> LocalFunction:
        """By short name, logical id or ARN (what `!Ref` and `!GetAtt .Arn` resolve to locally)."""
        key = name.rsplit(":function:", 1)[-1] if ":function:" in name else name
        found = self._by_any_name.get(key) or self._by_any_name.get(name)
        if found is None:
            raise KeyError(name)
        return found

    def invoke(self, name: str, event: Any, *, wait_for_container: bool = True) -> Invocation:
        return self.function(name).invoke(event, wait_for_container=wait_for_container)

    def busy(self) -> int:
        return sum(f.busy for f in self.functions.values())

    def report(self) -> dict[str, Any]:
        """GET /_local/containers."""
        return {
            "functions": [
                {
                    "name": function.name,
                    "concurrency_limit": function.concurrency,
                    "containers": [
                        {
                            "pid": container.pid,
                            "invocations": container.invocations,
                            "cold_start_ms": container.cold_start_ms,
                        }
                        for container in sorted(function.containers(), key=lambda c: c.number)
                    ],
                }
                for function in sorted(self.functions.values(), key=lambda f: f.name)
            ]
        }

    def stop(self) -> None:
        stoppers = [threading.Thread(target=f.stop) for f in self.functions.values()]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join(timeout=10)
