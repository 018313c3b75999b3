"""Realistic Asterisk queue_log content, written by the tests themselves."""

from __future__ import annotations

T0 = 1_714_989_600  # 2024-05-06T10:00:00Z, epoch seconds


class QueueLog:
    """Builds queue_log lines the way Asterisk writes them."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, at: float, callid: str, queue: str, agent: str, event: str,
            *data: object) -> QueueLog:
        self.lines.append("|".join([str(int(T0 + at)), callid, queue, agent, event,
                                    *map(str, data)]))
        return self

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def a_morning() -> QueueLog:
    """Agents log in, six callers, every way of leaving a queue."""
    log = QueueLog()
    log.add(0, "NONE", "NONE", "NONE", "QUEUESTART")
    log.add(1, "NONE", "sales", "PJSIP/201", "ADDMEMBER", "")
    log.add(1, "NONE", "sales", "PJSIP/202", "ADDMEMBER", "")
    log.add(1, "NONE", "support", "PJSIP/301", "ADDMEMBER", "")
    # 1: answered after 12 s, caller hangs up after 95 s of talk
    log.add(10, "1001.1", "sales", "NONE", "ENTERQUEUE", "", "0612345678", 1)
    log.add(18, "1001.1", "sales", "PJSIP/202", "RINGNOANSWER", 8000)
    log.add(22, "1001.1", "sales", "PJSIP/201", "CONNECT", 12, "1001.2", 4)
    log.add(117, "1001.1", "sales", "PJSIP/201", "COMPLETECALLER", 12, 95, 1)
    # 2: hangs up while waiting after 40 s
    log.add(20, "1002.1", "sales", "NONE", "ENTERQUEUE", "", "0687654321", 2)
    log.add(60, "1002.1", "sales", "NONE", "ABANDON", 1, 2, 40)
    # 3: the queue times out after 120 s
    log.add(30, "1003.1", "support", "NONE", "ENTERQUEUE", "", "0611111111", 1)
    log.add(150, "1003.1", "support", "NONE", "EXITWITHTIMEOUT", 1, 1, 120)
    # 4: answered in 5 s, blind-transferred by the agent to support, answered there
    log.add(40, "1004.1", "sales", "NONE", "ENTERQUEUE", "", "0622222222", 1)
    log.add(45, "1004.1", "sales", "PJSIP/202", "CONNECT", 5, "1004.2", 2)
    log.add(105, "1004.1", "sales", "PJSIP/202", "BLINDTRANSFER", "600", "from-internal", 5, 60, 1)
    log.add(105, "1004.1", "support", "NONE", "ENTERQUEUE", "", "0622222222", 1)
    log.add(131, "1004.1", "support", "PJSIP/301", "CONNECT", 26, "1004.3", 3)
    log.add(231, "1004.1", "support", "PJSIP/301", "COMPLETEAGENT", 26, 100, 1)
    # 5: presses a key to leave for voicemail after 15 s
    log.add(50, "1005.1", "support", "NONE", "ENTERQUEUE", "", "0633333333", 2)
    log.add(65, "1005.1", "support", "NONE", "EXITWITHKEY", 1, 2, 2, 15)
    # 6: answered in 3 s, attended transfer after 30 s
    log.add(70, "1006.1", "sales", "NONE", "ENTERQUEUE", "", "0644444444", 1)
    log.add(73, "1006.1", "sales", "PJSIP/201", "CONNECT", 3, "1006.2", 1)
    log.add(103, "1006.1", "sales", "PJSIP/201", "ATTENDEDTRANSFER", "BRIDGE", "abc-123", 3, 30, 1)
    # an agent pauses for lunch; the other logs off every queue
    log.add(240, "NONE", "sales", "PJSIP/202", "PAUSE", "lunch")
    log.add(241, "NONE", "NONE", "PJSIP/301", "REMOVEMEMBER", "")
    log.add(242, "NONE", "NONE", "NONE", "CONFIGRELOAD")
    return log
