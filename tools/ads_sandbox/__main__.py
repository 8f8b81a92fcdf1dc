"""`python -m tools.ads_sandbox --port 3001`: the sandbox on its own."""

import argparse
import threading

from .server import AdsSandbox

parser = argparse.ArgumentParser(description="TikTok API for Business sandbox")
parser.add_argument("--port", type=int, default=3001)
parser.add_argument("--require-token", default=None, help="answer 40105 unless this Access-Token is sent")
args = parser.parse_args()
AdsSandbox(required_token=args.require_token).serve(port=args.port)
print(f"Ads sandbox on http://127.0.0.1:{args.port}/open_api/v1.3", flush=True)
threading.Event().wait()
