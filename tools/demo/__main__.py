"""`make demo`: drives a scripted mega campaign on the running `make run`, or on a stack of its own."""

from __future__ import annotations

import os
import sys

import requests

from tests.support import free_port

from .scenario import Demo


def main() -> int:
    api = f"http://127.0.0.1:{os.environ.get('API_PORT', '3000')}"
    sandbox = f"http://127.0.0.1:{os.environ.get('SANDBOX_PORT', '3001')}"
    stack = None
    try:
        requests.get(f"{api}/_local/health", timeout=1).raise_for_status()
        print(f"Using the local stack at {api}")
    except requests.RequestException:
        from tools.local_stack.stack import start_local_stack

        stack = start_local_stack(free_port(), free_port())
        print(f"No local stack at {api}: started one for the demo at {stack.api_url}")
        print(f"(its function logs: {stack.log_dir}/<function>.log)")
        api, sandbox = stack.api_url, stack.sandbox_url
    try:
        return 0 if Demo(api, sandbox).run() else 1
    finally:
        if stack is not None:
            stack.stop()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C ends the demo quietly
        print("\ndemo stopped", file=sys.stderr)
        sys.exit(130)
