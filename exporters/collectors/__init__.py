"""One collector per group of metrics; each emits exactly the metrics it declares."""
