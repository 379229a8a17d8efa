"""Queueing theory the simulation is checked against.

For steady Poisson arrivals, exponential service and ``c`` identical stations
(M/M/c) the mean wait is known exactly (Erlang C). The engine must agree with
it on long runs; tests and ``bench/plan_validation.py`` hold it to that.
"""

import math


def erlang_c(a: float, c: int) -> float:
    """Probability that an arrival waits, for offered load ``a`` (erlangs) on ``c`` servers.

    Computed through the Erlang B recursion, which stays finite where factorials overflow.
    """
    if c <= 0 or a >= c:
        return 1.0
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1 - b))


def erlang_c_mean_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait (same unit as 1/rates) in M/M/c: arrival rate ``lam``, service rate ``mu`` per station.

    Infinite when the load ``lam / (c mu)`` reaches 1: the queue grows without end.
    """
    if lam <= 0:
        return 0.0
    a = lam / mu
    if a >= c:
        return math.inf
    return erlang_c(a, c) / (c * mu - lam)
