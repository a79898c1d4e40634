"""Watching the deployed assistant: traffic, drift, silent failures and online A/B results."""
