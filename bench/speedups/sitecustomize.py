"""Experiment hook (bench --experiments): load the cached action-response validator in a plain `rasa run`.

NETguide's own launcher (bot.channels.rasa_server) already installs it; this file lets the experiment
apply the same fix to a process started without the launcher. Loaded through PYTHONPATH by Python's
sitecustomize hook; the one implementation lives in bot/channels/fast_action_validation.py.
"""

from bot.channels.fast_action_validation import install

install()
