"""Understanding a customer message: intent, confidence and (later) slots."""

from dialog.nlu.rules import RuleBasedIntents, Understanding

__all__ = ["RuleBasedIntents", "Understanding"]
