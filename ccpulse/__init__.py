"""ccpulse: live contact-centre metrics from Kafka events, served to Prometheus."""

__version__ = "0.2.0"
