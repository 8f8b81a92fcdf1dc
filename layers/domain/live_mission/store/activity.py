"""LIVE sessions and LIVE GMV Max spend reports (W1, W2, W6, W7), under the seller, keyed by day so that
one Query reads a mission's campaign period: sessions by their start date (UTC) as they first arrived, spend
reports by their date. Each is one item holding every version that arrived; an exact copy adds nothing.

- `DAY#<date>#LIVE#<session>`: `room_id`, `started_at` (first arrival's), `versions`, `fingerprints`.
- `SESSION#<session>`: `day`, the day the session is filed under, so that a restatement that moves its
  start across midnight lands in the same item (one item per session, W7).
- `DAY#<date>#SPEND#<report>`: `date`, `versions`, `fingerprints`."""

from __future__ import annotations

from datetime import UTC, date, datetime

from boto3.dynamodb.conditions import Key

from ..models import utc_iso
from ..records import ActivityVersion, LiveSession, SellerActivity, SpendReport
from .dynamo import Table, Update, to_item

MAX_VERSIONS = 50  # restatements of one session or report kept; beyond that a new version is refused


def _seller(seller_id: str) -> str:
    return f"SELLER#{seller_id}"


class ActivityStore:
    def __init__(self, table: Table) -> None:
        self._table = table

    def file_session(self, seller_id: str, session_id: str, started_at: datetime) -> date:
        key = {"pk": _seller(seller_id), "sk": f"SESSION#{session_id}"}
        day = started_at.astimezone(UTC).date().isoformat()
        filed = self._table.update(key, Update().set("kind", "SESSION").set_if_absent("day", day), returning="ALL_NEW")
        return date.fromisoformat(str((filed or {}).get("day", day)))

    def record_session(
        self,
        seller_id: str,
        session_id: str,
        room_id: str,
        filed: date,
        version: ActivityVersion,
        fingerprint: str,
    ) -> bool:
        """False when this exact session was already received (W6: a copy never changes anything)."""
        key = {"pk": _seller(seller_id), "sk": f"DAY#{filed.isoformat()}#LIVE#{session_id}"}
        update = Update().set("kind", "LIVE").set("session_id", session_id).set_if_absent("room_id", room_id)
        if version.started_at is not None:
            update.set_if_absent("started_at", utc_iso(version.started_at))
        return self._add_version(key, update, version, fingerprint)

    def record_spend(
        self, seller_id: str, report_id: str, day: date, version: ActivityVersion, fingerprint: str
    ) -> bool:
        """False when this exact report was already received."""
        key = {"pk": _seller(seller_id), "sk": f"DAY#{day.isoformat()}#SPEND#{report_id}"}
        update = Update().set("kind", "SPEND").set("report_id", report_id).set("date", day.isoformat())
        return self._add_version(key, update, version, fingerprint)

    def _add_version(self, key: dict[str, str], update: Update, version: ActivityVersion, fingerprint: str) -> bool:
        update.append("versions", [to_item(version)]).add("fingerprints", {fingerprint})
        update.when(
            "(attribute_not_exists(#fingerprints) OR NOT contains(#fingerprints, :fingerprint)) "
            "AND (attribute_not_exists(#versions) OR size(#versions) < :max_versions)",
            fingerprint=fingerprint,
            max_versions=MAX_VERSIONS,
        )
        return self._table.update(key, update) is not None

    def activity(self, seller_id: str, first_day: date, last_day: date) -> SellerActivity:
        """Sessions that started, and spend reports dated, from `first_day` to `last_day`: one Query."""
        condition = Key("pk").eq(_seller(seller_id)) & Key("sk").between(
            f"DAY#{first_day.isoformat()}", f"DAY#{last_day.isoformat()}#~"
        )
        found = SellerActivity()
        for item in self._table.query_all(condition):
            if item.get("kind") == "LIVE":
                found.sessions.append(LiveSession.model_validate(item))
            elif item.get("kind") == "SPEND":
                found.spend_reports.append(SpendReport.model_validate(item))
        return found
