"""The sandbox's HTTP face: TikTok API for Business v1.3 paths plus the `/_sandbox` controls."""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .state import FAULT_MODES, OPERATIONS, REQUEST_ID_MEMORY_SECONDS, SandboxState

API_PREFIX = "/open_api/v1.3"
PROMOTION_TYPES = {"LIVE_GMV_MAX": "LIVE", "PRODUCT_GMV_MAX": "PRODUCT", "LIVE": "LIVE", "PRODUCT": "PRODUCT"}
THROTTLED = (40100, "Requests made too frequently. Please try again later.")
SERVICE_ERROR = (50002, "Internal service error. Please try again later.")
TRANSIENT_TIMEOUT = (51010, "Request timed out. Please try again later.")


class ApiError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class AdsSandbox:
    """Holds the state and answers requests; `serve()` puts it on a loopback port."""

    def __init__(
        self,
        *,
        required_token: str | None = None,
        timeout_seconds: float = 1.5,
        today: Callable[[], date] | None = None,
    ) -> None:
        self.state = SandboxState(today=today) if today else SandboxState()
        self.required_token = required_token
        self.timeout_seconds = timeout_seconds
        self._server: ThreadingHTTPServer | None = None

    # --- serving ---------------------------------------------------------------------------------

    def serve(self, host: str = "127.0.0.1", port: int = 3001) -> ThreadingHTTPServer:
        sandbox = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; with Nagle's algorithm the body would wait for
            # the client's delayed ACK, 40 ms on every POST.
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:  # quiet: the local stack prints its own summary
                return

            def _answer(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, body = sandbox.handle(method, self.path, dict(self.headers.items()), raw)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                # The caller may have given up waiting (a timeout fault): as the real platform, answer no one.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(payload)

            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self._answer("POST")

            def do_PUT(self) -> None:
                self._answer("PUT")

        server = ThreadingHTTPServer((host, port), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, name="ads-sandbox", daemon=True).start()
        self._server = server
        return server

    def shutdown(self) -> None:
        if self._server:
            self._server.shutdown()

    # --- dispatch --------------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        url = urlsplit(target)
        query = parse_qs(url.query, keep_blank_values=True)
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        if url.path.startswith("/_sandbox/"):
            return self._control(method, url.path, query, body)
        if url.path.startswith(API_PREFIX):
            return 200, self._api(method, url.path[len(API_PREFIX) :], headers, query, body)
        return 404, {"error": "no such path"}

    # --- /_sandbox controls ----------------------------------------------------------------------

    def _control(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, dict[str, Any]]:
        state = self.state
        if method == "GET" and path == "/_sandbox/health":
            return 200, {"status": "ok"}
        if method == "POST" and path == "/_sandbox/reset":
            state.reset()
            return 200, {"reset": True}
        if method == "GET" and path == "/_sandbox/calls":
            with state.lock:
                return 200, {"calls": dict(state.calls)}
        if method == "GET" and path == "/_sandbox/rate-limit":
            return 200, state.rate_report()
        if not isinstance(body, dict) and method in ("PUT", "POST"):
            return 400, {"error": "body must be a JSON object"}
        if match := re.fullmatch(r"/_sandbox/sellers/([^/]+)", path):
            if method == "PUT":
                return 200, self.state.put_seller(match.group(1), body)
            if method == "GET":
                seller = state.sellers.get(match.group(1))
                return (200, seller) if seller else (404, {"error": "unknown seller"})
        if method == "GET" and path == "/_sandbox/campaigns":
            seller_id = _one(query, "seller_id") or None
            with state.lock:
                campaigns = [
                    _public(c) for c in state.campaigns.values() if seller_id is None or c["seller_id"] == seller_id
                ]
            return 200, {"campaigns": campaigns}
        if method == "POST" and (match := re.fullmatch(r"/_sandbox/campaigns/([^/]+)/status", path)):
            with state.lock:
                campaign = state.campaigns.get(match.group(1))
                if not campaign:
                    return 404, {"error": "unknown campaign"}
                campaign["status"] = str(body.get("status", campaign["status"]))
                return 200, _public(campaign)
        if method == "PUT" and path == "/_sandbox/rate-limit":
            names = ("requests_per_second", "requests_per_minute", "requests_per_day")
            limits = {name: body[name] for name in names if name in body}
            wrong = [n for n, v in limits.items() if not isinstance(v, int) or isinstance(v, bool) or v < 0]
            if wrong or set(body) - set(names):
                return 400, {"error": f"{', '.join(names)}: whole numbers, 0 for no limit (each optional)"}
            state.set_rate_limit(limits)
            return 200, state.rate_report()
        if method == "POST" and path == "/_sandbox/faults":
            operation = body.get("operation")
            mode = body.get("mode", "error")
            count = body.get("count", 1)
            if operation not in {*OPERATIONS.values(), "any"} or mode not in FAULT_MODES or not isinstance(count, int):
                return 400, {"error": "operation, mode or count is not valid"}
            state.add_fault(operation, mode, count)
            return 200, {"operation": operation, "mode": mode, "count": count}
        return 404, {"error": "no such control"}

    # --- the Ads API -----------------------------------------------------------------------------

    def _api(
        self, method: str, path: str, headers: dict[str, str], query: dict[str, list[str]], body: Any
    ) -> dict[str, Any]:
        request_id = uuid.uuid4().hex
        token = next((v for k, v in headers.items() if k.lower() == "access-token"), "")
        if not token:
            return _envelope(40104, "Access token is null, please check your request.", request_id)
        if self.required_token is not None and token != self.required_token:
            return _envelope(40105, "The access token is invalid or has expired.", request_id)
        operation = OPERATIONS.get(path)
        if operation is None:
            return _envelope(40002, f"Unknown API path {path}", request_id)
        with self.state.lock:
            self.state.calls[operation] += 1
        if not self.state.admit():
            return _envelope(*THROTTLED, request_id)
        fault = self.state.take_fault(operation)
        if fault == "throttle":
            return _envelope(*THROTTLED, request_id)
        if fault == "error":
            return _envelope(*SERVICE_ERROR, request_id)
        if fault == "timeout":
            time.sleep(self.timeout_seconds)  # the caller has given up by now; nothing was done
            return _envelope(*TRANSIENT_TIMEOUT, request_id)
        try:
            data = self._perform(method, path, query, body)
        except ApiError as error:
            return _envelope(error.code, error.message, request_id)
        if fault == "succeed_then_timeout":
            time.sleep(self.timeout_seconds)  # done on the Ads side, but the answer comes too late
        return _envelope(0, "OK", request_id, data)

    def _perform(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> dict[str, Any]:
        state = self.state
        with state.lock:
            if method == "GET" and path == "/shop_ads/account/status/":
                seller = state.sellers.get(_one(query, "seller_id"))
                if seller is None:  # an unknown seller has no Ads set-up at all
                    return {"seller_id": _one(query, "seller_id"), "ads_permission": False, "ad_accounts": []}
                return dict(seller)
            if method == "GET" and path == "/advertiser/info/":
                rows = []
                for advertiser_id in _many(query, "advertiser_ids"):
                    found = state.seller_of_advertiser(advertiser_id)
                    if found:
                        seller, account = found
                        rows.append(_advertiser_info(seller, account))
                return {"list": rows}
            if method == "GET" and path == "/gmv_max/campaign/get/":
                return self._list_campaigns(query)
            if method == "GET" and path == "/campaign/gmv_max/info/":
                campaign = state.campaigns.get(_one(query, "campaign_id"))
                if not campaign or campaign["advertiser_id"] != _one(query, "advertiser_id"):
                    raise ApiError(40002, "campaign_id does not exist in this advertiser")
                return _campaign_info(campaign)
            if method == "POST" and path == "/campaign/gmv_max/create/":
                return self._create(body)
            if method == "POST" and path == "/campaign/status/update/":
                return self._update_status(body)
            if method == "GET" and path == "/gmv_max/bid/recommend/":
                return {"roas_bid": 2.0, "budget": 50}
        raise ApiError(40002, f"{method} is not supported on {path}")

    def _list_campaigns(self, query: dict[str, list[str]]) -> dict[str, Any]:
        advertiser_id = _one(query, "advertiser_id")
        if not advertiser_id or not self.state.seller_of_advertiser(advertiser_id):
            raise ApiError(40002, "advertiser_id is invalid")
        filtering = _json(_one(query, "filtering")) or {}
        if not isinstance(filtering, dict):
            raise ApiError(40002, "filtering must be a JSON object")
        types = {PROMOTION_TYPES.get(t, t) for t in filtering.get("gmv_max_promotion_types") or []}
        store_ids = set(map(str, filtering.get("store_ids") or []))
        campaign_ids = set(map(str, filtering.get("campaign_ids") or []))
        rows = [
            c
            for c in self.state.campaigns.values()
            if c["advertiser_id"] == advertiser_id
            and c["status"] != "DELETE"
            and (not types or c["shopping_ads_type"] in types)
            and (not store_ids or c["store_id"] in store_ids)
            and (not campaign_ids or c["campaign_id"] in campaign_ids)
        ]
        rows.sort(key=lambda c: c["campaign_id"])
        page = max(1, int(_one(query, "page") or 1))
        page_size = min(100, max(1, int(_one(query, "page_size") or 10)))
        chunk = rows[(page - 1) * page_size : page * page_size]
        total_page = max(1, -(-len(rows) // page_size))
        return {
            "list": [_campaign_row(c) for c in chunk],
            "page_info": {"page": page, "page_size": page_size, "total_number": len(rows), "total_page": total_page},
        }

    def _create(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise ApiError(40002, "The request body must be a JSON object")
        missing = [
            name
            for name in (
                "advertiser_id",
                "store_id",
                "campaign_name",
                "shopping_ads_type",
                "roas_bid",
                "budget",
                "schedule_type",
                "schedule_start_time",
            )
            if body.get(name) in (None, "")
        ]
        if missing:
            raise ApiError(40002, f"Missing required fields: {', '.join(missing)}")
        found = self.state.seller_of_advertiser(str(body["advertiser_id"]))
        if not found:
            raise ApiError(40002, "advertiser_id is invalid")
        seller, _ = found
        if body["shopping_ads_type"] == "LIVE" and not body.get("identity_list"):
            raise ApiError(40002, "identity_list is required for LIVE GMV Max")
        try:
            datetime.strptime(str(body["schedule_start_time"]), "%Y-%m-%d %H:%M:%S")
        except ValueError as error:
            raise ApiError(40002, "schedule_start_time must be YYYY-MM-DD HH:MM:SS") from error
        request_id = str(body.get("request_id") or "")
        now = time.monotonic()
        if request_id:
            remembered = self.state.recent_requests.get(request_id)
            if remembered and now - remembered[1] < REQUEST_ID_MEMORY_SECONDS:
                return {"campaign_id": remembered[0]}
        campaign_id = self.state.next_campaign_id()
        self.state.campaigns[campaign_id] = {
            "campaign_id": campaign_id,
            "advertiser_id": str(body["advertiser_id"]),
            "seller_id": seller["seller_id"],
            "store_id": str(body["store_id"]),
            "status": "ENABLE",
            "origin": "AUTO",
            "shopping_ads_type": body["shopping_ads_type"],
            "campaign_name": body["campaign_name"],
            "request": body,
            "created_at": time.time(),
        }
        if request_id:
            self.state.recent_requests[request_id] = (campaign_id, now)
        return {"campaign_id": campaign_id}

    def _update_status(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or body.get("operation_status") not in ("ENABLE", "DISABLE", "DELETE"):
            raise ApiError(40002, "operation_status must be ENABLE, DISABLE or DELETE")
        updated = []
        for campaign_id in body.get("campaign_ids") or []:
            campaign = self.state.campaigns.get(str(campaign_id))
            if campaign and campaign["advertiser_id"] == str(body.get("advertiser_id")):
                campaign["status"] = body["operation_status"]
                updated.append(campaign["campaign_id"])
        if not updated:
            raise ApiError(40002, "No campaign_ids found in this advertiser")
        return {"campaign_ids": updated}


def _envelope(code: int, message: str, request_id: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "request_id": request_id, "data": data or {}}


def _one(query: dict[str, list[str]], name: str) -> str:
    values = query.get(name) or [""]
    return values[0]


def _many(query: dict[str, list[str]], name: str) -> list[str]:
    """List parameters arrive as a JSON array (`["a"]`, as TikTok's SDK sends them) or repeated."""
    values: list[str] = []
    for value in query.get(name) or []:
        parsed = _json(value)
        values.extend(map(str, parsed) if isinstance(parsed, list) else [value])
    return values


def _json(value: str) -> Any:
    try:
        return json.loads(value) if value else None
    except ValueError:
        return None


def _advertiser_info(seller: dict[str, Any], account: dict[str, Any]) -> dict[str, Any]:
    return {
        "advertiser_id": str(account["advertiser_id"]),
        "name": f"{seller['seller_id']} ads",
        "status": account.get("status", "STATUS_ENABLE"),
        "timezone": account.get("timezone") or "Etc/GMT",
        "display_timezone": account.get("timezone") or "Etc/GMT",
        "currency": account.get("currency") or "USD",
        "country": seller.get("country"),
    }


def _campaign_row(campaign: dict[str, Any]) -> dict[str, Any]:
    return {
        "campaign_id": campaign["campaign_id"],
        "campaign_name": campaign["campaign_name"],
        "operation_status": campaign["status"],
        "advertiser_id": campaign["advertiser_id"],
        "store_id": campaign["store_id"],
        "gmv_max_promotion_type": f"{campaign['shopping_ads_type']}_GMV_MAX",
    }


def _campaign_info(campaign: dict[str, Any]) -> dict[str, Any]:
    return {
        **(campaign["request"] or {}),
        **_campaign_row(campaign),
        "shopping_ads_type": campaign["shopping_ads_type"],
    }


def _public(campaign: dict[str, Any]) -> dict[str, Any]:
    return {
        k: campaign[k]
        for k in (
            "campaign_id",
            "advertiser_id",
            "status",
            "origin",
            "request",
            "campaign_name",
            "shopping_ads_type",
            "seller_id",
        )
    }
