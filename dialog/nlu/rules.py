"""A small rule-based intent detector for conversation management (greetings, thanks, handoff).

Questions about the shop fall through to ``question``; a trained classifier can replace this behind
the same ``understand`` method.
"""

from __future__ import annotations

import re

from dialog.nlu.base import Understanding

_PATTERNS: dict[str, re.Pattern[str]] = {
    "human": re.compile(
        r"\b(human|real person|(?:an? )?(?:live )?agent|representative|operator|someone real|"
        r"talk to (?:a |an |some)?(?:person|one|body)|speak (?:to|with) (?:a |an |some)?(?:person|one|body|staff))\b",
        re.IGNORECASE,
    ),
    "greet": re.compile(r"^\s*(hi|hello|hey|good (?:morning|afternoon|evening)|greetings)\b[\s!.,]*(there)?[\s!.]*$", re.IGNORECASE),
    "thanks": re.compile(r"^\s*(thanks?|thank you|thx|cheers|great,? thanks?)\b.{0,30}$", re.IGNORECASE),
    "goodbye": re.compile(r"^\s*(bye|goodbye|see you|that'?s all|have a nice day)\b.{0,20}$", re.IGNORECASE),
}


class RuleBasedIntents:
    """Pattern rules for the few intents that steer the conversation itself."""

    name = "rules"

    def understand(self, text: str) -> Understanding:
        for intent, pattern in _PATTERNS.items():
            if pattern.search(text):
                return Understanding(intent, 0.95)
        return Understanding("question", 0.6)
