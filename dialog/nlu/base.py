"""What the understanding step hands to the policies, and the protocol every intent detector follows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Understanding:
    """What was understood of one message.

    ``ranking`` holds the best few (intent, probability) pairs, best first, so that a policy can see when
    two intents are close; ``out_of_scope`` is set when the detector judges the message to be outside
    everything it was trained on; ``entities`` maps slot names to values found in the text.
    """

    intent: str
    confidence: float
    ranking: tuple[tuple[str, float], ...] = ()
    out_of_scope: bool = False
    entities: dict[str, str] = field(default_factory=dict)
    source: str = "rules"  # which detector decided: "rules", "classifier", ...
    note: str | None = None  # for the turn's decision record, when this message was not understood as usual
    # slots the message gives several values for ("NW-20481736 and NW-20481737"): which one is meant is asked,
    # none is guessed (such a slot is not in ``entities``)
    several: dict[str, tuple[str, ...]] = field(default_factory=dict)


class IntentDetector(Protocol):
    """Anything that turns a message into an Understanding."""

    name: str

    def understand(self, text: str) -> Understanding: ...
