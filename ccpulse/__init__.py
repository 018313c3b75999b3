"""ccpulse: live contact-centre metrics from Kafka events to Prometheus."""

__version__ = "0.1.0"
