"""`make run`: the whole service on loopback, on its embedded defaults, until Ctrl-C or SIGTERM.

A stop is one line and exit 0 within seconds: the signal only wakes the main thread (through a pipe, so no
lock is ever taken inside a signal handler), which then stops the stack (tools/local_stack/stack.py). At an
interactive terminal the stack takes the terminal's foreground for itself, so a Ctrl-C reaches it alone (and
not make, which would report an interrupt of its own); the emulator and the containers run in process groups
of their own and are stopped by the stack, never by the terminal.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator

from .stack import PortInUse, start_local_stack


@contextlib.contextmanager
def _foreground() -> Iterator[None]:
    """At an interactive terminal: this process's own group in the terminal's foreground while it runs."""
    try:
        terminal = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        yield  # no terminal (CI, a test, a supervisor): signals come to the group as they are sent
        return
    try:
        before = os.tcgetpgrp(terminal)
        signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # a background group may not take the terminal otherwise
        os.setpgid(0, 0)
        os.tcsetpgrp(terminal, os.getpgrp())
    except OSError:
        os.close(terminal)
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.tcsetpgrp(terminal, before)
        os.close(terminal)


def main() -> int:
    wake_read, wake_write = os.pipe()
    for stopping_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stopping_signal, lambda *_: os.write(wake_write, b"x"))
    with _foreground():
        try:
            stack = start_local_stack(
                int(os.environ.get("API_PORT", "3000")), int(os.environ.get("SANDBOX_PORT", "3001"))
            )
        except PortInUse as busy:
            print(busy, file=sys.stderr)
            return 1
        print(f"API          {stack.api_url}   (health: /_local/health)", flush=True)
        print(f"API docs     {stack.api_url}/_local/docs   (Swagger UI over docs/openapi.json)", flush=True)
        print(f"Ads sandbox  {stack.sandbox_url}/open_api/v1.3   (controls: /_sandbox)", flush=True)
        print(f"AWS (moto)   {stack.moto.url}   (the functions' endpoint: {stack.moto.functions_url})", flush=True)
        print(f"Function logs {stack.log_dir}/<function>.log   (removed when the stack stops)", flush=True)
        print(f"Clock        {stack.clock.now().isoformat()}   functions: {', '.join(stack.lambdas.names)}", flush=True)
        print("Ctrl-C stops it.", flush=True)
        os.read(wake_read, 1)
        for stopping_signal in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stopping_signal, signal.SIG_IGN)  # a second Ctrl-C does not break the stop
        stack.stop()
    print("local stack stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
