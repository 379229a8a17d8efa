"""Connecting to Redis: the ``redis+sentinel://`` URL the README advertises, read as python-socketio's
message queue reads it (one URL serves both), without needing a sentinel to answer."""

import pytest
from socketio.redis_manager import parse_redis_sentinel_url

from natqueue.store.connect import connect, parse_sentinel_url

URL = "redis+sentinel://:s%40cret@h1:26379,h2:26380,10.0.0.3/2/mymaster"


def test_sentinel_url_names_every_sentinel_the_database_and_the_master():
    hosts, service, options = parse_sentinel_url(URL)
    assert hosts == [("h1", 26379), ("h2", 26380), ("10.0.0.3", 26379)]  # no port: the sentinel default
    assert service == "mymaster"
    assert options == {"db": 2, "password": "s@cret"}
    theirs, their_service, their_options = parse_redis_sentinel_url(
        "redis+sentinel://:secret@h1:26379,h2:26380/2/mymaster")
    ours = parse_sentinel_url("redis+sentinel://:secret@h1:26379,h2:26380/2/mymaster")
    assert ours == (theirs, their_service, their_options)


def test_sentinel_url_with_a_user_and_ipv6_sentinels():
    hosts, service, options = parse_sentinel_url("redis+sentinel://natq:pw@[::1]:26379,[fe80::2]/0/queue")
    assert hosts == [("::1", 26379), ("fe80::2", 26379)]
    assert (service, options) == ("queue", {"db": 0, "username": "natq", "password": "pw"})


def test_the_client_asks_those_sentinels_for_that_master():
    client = connect(URL)
    pool = client.connection_pool
    assert pool.service_name == "mymaster"
    assert (pool.connection_kwargs["db"], pool.connection_kwargs["password"]) == (2, "s@cret")
    assert pool.connection_kwargs["decode_responses"] is True
    sentinels = [s.connection_pool.connection_kwargs for s in pool.sentinel_manager.sentinels]
    assert [(s["host"], s["port"]) for s in sentinels] == [("h1", 26379), ("h2", 26380), ("10.0.0.3", 26379)]
    assert all(s["password"] is None for s in sentinels)  # the master's password is not the sentinels'
    client.close()


def test_every_call_to_the_sentinels_and_the_master_is_bounded_in_time():
    """Neither asking the sentinels nor the master itself may hang a request (see test_redis_away)."""
    client = connect(URL, timeout_s=1.5)
    master = client.connection_pool.connection_kwargs
    sentinels = [s.connection_pool.connection_kwargs for s in client.connection_pool.sentinel_manager.sentinels]
    for options in [master, *sentinels]:
        assert (options["socket_timeout"], options["socket_connect_timeout"]) == (1.5, 1.5)
        assert options["retry"].budget_s == 1.5
    client.close()


@pytest.mark.parametrize("bad", ["redis+sentinel://h1:26379/mymaster", "redis+sentinel://h1:26379/0",
                                 "redis+sentinel://h1:port/0/m", "redis+sentinel://h1,,h2/0/m",
                                 "redis+sentinel://h1/x/m"])
def test_a_malformed_sentinel_url_says_what_is_wrong(bad):
    with pytest.raises(ValueError, match="redis\\+sentinel"):
        connect(bad)
