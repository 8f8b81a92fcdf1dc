"""`make run`: the whole service on loopback, on its embedded defaults."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading

from .stack import PortInUse, start_local_stack


def main() -> None:
    try:
        stack = start_local_stack(int(os.environ.get("API_PORT", "3000")), int(os.environ.get("SANDBOX_PORT", "3001")))
    except PortInUse as busy:
        sys.exit(str(busy))
    print(f"API          {stack.api_url}   (health: /_local/health)", flush=True)
    print(f"API docs     {stack.api_url}/_local/docs   (Swagger UI over docs/openapi.json)", flush=True)
    print(f"Ads sandbox  {stack.sandbox_url}/open_api/v1.3   (controls: /_sandbox)", flush=True)
    print(f"AWS (moto)   {stack.moto.url}   (the functions' endpoint: {stack.moto.functions_url})", flush=True)
    print(f"Function logs {stack.log_dir}/<function>.log", flush=True)
    print(f"Clock        {stack.clock.now().isoformat()}   functions: {', '.join(stack.lambdas.names)}", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with contextlib.suppress(KeyboardInterrupt):
        stopped.wait()
    stack.stop()


if __name__ == "__main__":
    main()
