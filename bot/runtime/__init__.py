"""Rasa-facing runtime pieces (run in the Rasa venv): a tracker store that reports its fallback, a health route."""
