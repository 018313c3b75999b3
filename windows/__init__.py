"""Pure rolling-window and KPI logic: no Kafka, Redis or network code.

Time is integer epoch milliseconds throughout (names end in ``_ms``); a clock is
passed in rather than read from the system. Each kind of contact (or agent, or
ticket) is a *domain* (``windows.domain``) registered in ``windows.registry``;
the partition state (``windows.partition``) folds every domain's events into the
shared window engine (``windows.engine``).
"""
