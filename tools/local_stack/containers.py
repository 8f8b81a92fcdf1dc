"""Runs the real handlers in-process. Each pool thread is one warm "container": it loads its own
copy of each handler module, and handles one invocation at a time, as Lambda does."""

from __future__ import annotations

import importlib.util
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from .template import FunctionSpec


@dataclass
class LocalContext:
    function_name: str
    aws_request_id: str
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


class Containers:
    def __init__(self, functions: list[FunctionSpec], size: int = 8) -> None:
        self._functions = {f.name: f for f in functions}
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="container")
        # Invocations and their wall time per function: what Lambda would bill (make bench).
        self.invocations: Counter[str] = Counter()
        self.seconds: dict[str, float] = {}
        self._count_lock = threading.Lock()

    @property
    def names(self) -> list[str]:
        return sorted(self._functions)

    def invoke(self, name: str, event: dict[str, Any]) -> Any:
        return self._pool.submit(self.invoke_here, name, event).result()

    def invoke_here(self, name: str, event: dict[str, Any]) -> Any:
        """Invokes in the calling thread (the dispatcher is a container of its own)."""
        spec = self._functions[name]
        module_name, _, attribute = spec.handler.rpartition(".")
        handler = getattr(self._module(spec, module_name), attribute)
        started = time.perf_counter()
        try:
            return handler(event, LocalContext(spec.logical_id, str(uuid.uuid4())))
        finally:
            with self._count_lock:
                self.invocations[name] += 1
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

    def _module(self, spec: FunctionSpec, module_name: str) -> ModuleType:
        loaded: dict[str, ModuleType] = self._local.__dict__.setdefault("modules", {})
        if spec.name not in loaded:
            path = spec.code_dir / f"{module_name}.py"
            unique = f"lambda_{spec.name}_{threading.get_ident()}"
            module_spec = importlib.util.spec_from_file_location(unique, path)
            assert module_spec and module_spec.loader
            module = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(module)
            loaded[spec.name] = module
        return loaded[spec.name]
