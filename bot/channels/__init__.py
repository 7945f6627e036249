"""Rasa input/output channels (run in the Rasa venv; may import rasa, never the pydantic-2 core)."""
