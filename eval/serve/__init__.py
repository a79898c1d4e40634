"""`make bench-serve`: simulated users against the web app on each generation backend."""
