"""The root of every ccpulse exception."""


class CcpulseError(Exception):
    """Base class for errors raised by ccpulse."""


class ConfigError(CcpulseError):
    """A setting is missing or wrong; the message names the setting."""
