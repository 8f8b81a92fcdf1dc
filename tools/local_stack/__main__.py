"""`make run`: the whole service on loopback, on its embedded defaults."""

from __future__ import annotations

import os
import threading

from .stack import start_local_stack


def main() -> None:
    stack = start_local_stack(int(os.environ.get("API_PORT", "3000")), int(os.environ.get("SANDBOX_PORT", "3001")))
    print(f"API          {stack.api_url}   (health: /_local/health)", flush=True)
    print(f"API docs     {stack.api_url}/_local/docs   (Swagger UI over docs/openapi.json)", flush=True)
    print(f"Ads sandbox  {stack.sandbox_url}/open_api/v1.3   (controls: /_sandbox)", flush=True)
    print(f"AWS (moto)   {stack.moto.url}", flush=True)
    print(f"Clock        {stack.clock.now().isoformat()}   functions: {', '.join(stack.containers.names)}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        stack.stop()


if __name__ == "__main__":
    main()
