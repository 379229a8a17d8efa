"""The embedded Redis: started when REDIS_URL is unset, reused by a second process, never orphaned."""

import os

import redis

from natqueue.store.embedded import EmbeddedRedis


def test_second_start_reuses_the_running_server(tmp_path):
    first = EmbeddedRedis(str(tmp_path)).start()
    try:
        second = EmbeddedRedis(str(tmp_path)).start()  # e.g. the CLI beside a running app
        assert second.process is None and second.url == first.url
        second.stop()  # not its server: must leave it running
        client = redis.Redis.from_url(first.url)
        assert client.ping()
        client.close()
    finally:
        first.stop()
    assert first.process is None


def test_stale_socket_from_a_killed_server_is_replaced(tmp_path):
    server = EmbeddedRedis(str(tmp_path)).start()
    server.process.kill()
    server.process.wait()
    server.process = None
    assert os.path.exists(server.socket_path)  # left behind by the kill
    again = EmbeddedRedis(str(tmp_path)).start()
    try:
        assert redis.Redis.from_url(again.url).ping()
    finally:
        again.stop()


def test_long_data_paths_still_get_a_usable_socket(tmp_path):
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    server = EmbeddedRedis(str(deep)).start()
    try:
        assert len(server.socket_path) <= 100
        assert redis.Redis.from_url(server.url).ping()
        assert (deep / "appendonly.aof").exists()
    finally:
        server.stop()
