"""Outputs: the Prometheus exporter and what it reads."""
