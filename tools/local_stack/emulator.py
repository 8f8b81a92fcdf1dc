"""The AWS emulator's process: `python -m tools.local_stack.emulator` prints its two URLs as one JSON
line, then serves until its standard input closes (the process that started it has ended)."""

from __future__ import annotations

import json
import sys

from .aws import Emulator


def main() -> None:
    emulator = Emulator()
    emulator.serve()
    print(json.dumps({"url": emulator.url, "functions_url": emulator.functions_url}), flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    main()
