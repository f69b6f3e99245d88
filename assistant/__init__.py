"""Self-hosted customer-service assistant."""

__version__ = "0.1.0"
