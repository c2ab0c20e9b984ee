"""The Dash dashboard: pages per module on one Flask server shared with the HTTP API."""
