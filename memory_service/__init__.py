"""memory-service: persistent customer memory for conversational AI."""

__version__ = "0.1.0"
