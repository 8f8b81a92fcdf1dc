"""The lists the documents repeat from the code (currencies and minimums, reason codes, the quota's tiers and
shares) say what the code does, and the README stays a guide."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from live_mission.ads_quota import SHARES, Purpose
from live_mission.campaign_settings import MARKET_MINIMUM_DAILY_BUDGET
from live_mission.models import ReasonCode
from live_mission.reasons import STANDARD_REASON
from tools.bench.mega import TIERS
from tools.local_stack.template import Template

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def _rows(text: str, first_cell: str) -> list[list[str]]:
    """The rows of every markdown table whose first cell matches `first_cell` (a regex)."""
    rows = []
    for line in (raw.strip() for raw in text.splitlines()):
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if re.fullmatch(first_cell, cells[0]):
                rows.append(cells)
    return rows


def test_the_budget_minimums_in_the_decisions_are_the_codes() -> None:
    found: dict[str, Decimal] = {}
    for cells in _rows((DOCS / "decisions.md").read_text(), r"[A-Z]{3}"):
        for currency, minimum in zip(cells[0::3], cells[1::3], strict=False):
            if re.fullmatch(r"[A-Z]{3}", currency):
                found[currency] = Decimal(minimum.replace(",", ""))
    assert found == MARKET_MINIMUM_DAILY_BUDGET


def test_the_reason_codes_in_the_contract_are_the_codes_with_their_statuses() -> None:
    rows = _rows((DOCS / "contract.md").read_text(), r"`[A-Z_]+`")
    documented = {
        cells[0].strip("`"): {s.strip(" `") for s in cells[1].split(",")} for cells in rows if len(cells) == 3
    }
    assert set(documented) == {code.value for code in ReasonCode}
    for status, reason in STANDARD_REASON.items():
        assert status.value in documented[reason.value]


def test_the_tiers_in_the_contract_are_the_ones_the_simulation_runs_and_the_template_defaults_to_basic() -> None:
    rows = _rows((DOCS / "contract.md").read_text(), r"(Basic|Advanced|Premium|Ultimate).*")
    documented = {cells[0].split()[0].lower(): tuple(int(c.replace(",", "")) for c in cells[1:4]) for cells in rows}
    assert documented == {name: (t.per_second, t.per_minute, t.per_day) for name, t in TIERS.items()}
    parameters = Template().raw["Parameters"]
    defaults = tuple(int(parameters[f"AdsQuotaPer{w}"]["Default"]) for w in ("Second", "Minute", "Day"))
    assert defaults == documented["basic"]


def test_the_shares_in_the_decisions_are_the_codes() -> None:
    text = " ".join((DOCS / "decisions.md").read_text().split())
    shares = r"opt-out (\d+) %, .*? (\d+) %, any other creation (\d+) %, a claim (\d+) %, .*? (\d+) %, status"
    said = re.search(shares, text)
    assert said is not None
    order = [Purpose.SWITCH_OFF, Purpose.CREATE_SOON, Purpose.CREATE, Purpose.CLAIM, Purpose.READ]
    assert [int(p) for p in said.groups()] == [round(100 * SHARES[p]) for p in order]
    assert f"status look-ups {round(100 * SHARES[Purpose.STATUS])} %" in text


def test_the_readme_is_a_guide_and_no_document_keeps_a_log_of_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 350
    for document in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for line in document.read_text().splitlines():
            assert not (line.startswith("|") and re.search(r"\bseed\b", line, re.I)), f"{document.name}: {line}"


def test_every_reason_activity_is_refused_for_is_in_the_contract() -> None:
    source = (ROOT / "layers/domain/live_mission/activity.py").read_text()
    reasons = set(re.findall(r'ActivityRefused\("([A-Z_]+)"', source))
    assert len(reasons) >= 5
    contract = (DOCS / "contract.md").read_text()
    assert {reason for reason in reasons if f"`{reason}`" not in contract} == set()
