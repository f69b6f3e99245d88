"""The demo's orders agree with the demo help centre the chat answers from."""

from __future__ import annotations

import csv
import re
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "demo"


def carriers_section() -> str:
    """The "Carriers" section of the demo's tracking article: the carriers the help centre says it ships with."""
    text = (DEMO / "knowledge_base" / "shipping" / "tracking.md").read_text(encoding="utf-8")
    found = re.search(r"^## Carriers\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert found, "shipping/tracking.md has no Carriers section"
    return found.group(1)


def test_every_demo_order_ships_with_a_carrier_the_help_centre_names() -> None:
    """An order "with FedEx" beside an article saying US orders go with UPS and USPS, international ones with
    DHL: a customer told both could not know which to believe."""
    named = carriers_section()
    with (DEMO / "orders.csv").open(encoding="utf-8", newline="") as file:
        carriers = {row["order_number"]: row["carrier"] for row in csv.DictReader(file) if row["carrier"]}

    assert carriers  # the demo has shipped orders
    assert {number: carrier for number, carrier in carriers.items() if not re.search(rf"\b{re.escape(carrier)}\b", named)} == {}
