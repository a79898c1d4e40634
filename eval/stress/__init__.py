"""Stress benchmark of the web app: many gradio_client users asking at once."""
