"""Pure rolling-window and KPI logic: no Kafka, Redis or network code.

Time is integer epoch milliseconds throughout (names end in ``_ms``); a clock is
passed in rather than read from the system.
"""
