"""Dialog manager: conversation state as events, understanding, policies and actions."""
