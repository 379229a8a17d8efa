"""A pytest plugin for tests/test_script_slots.py: while the tests it is loaded into run, a
MONITOR on their Redis records every script call (``EVALSHA``) with its ``KEYS`` and the keys
the script's own commands touched (MONITOR shows those too, marked ``lua``), and writes them
to the JSON file named by ``NATQ_SLOT_WATCH``:

    python -m pytest -p tests.slot_watch tests/test_tubes.py ...

One record per call: ``{"sha", "keys", "touched"}``, keys as latin-1 strings of their bytes.
The keys of each command come from Redis itself (``COMMAND GETKEYS``), so no command's key
positions are guessed here.
"""

import json
import os
import re
import threading

import pytest
import redis

_ARG = re.compile(rb'"((?:[^"\\]|\\.)*)"')
_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("a"): b"\a", ord("b"): b"\b",
            ord('"'): b'"', ord("\\"): b"\\"}
END = b"natq-slot-watch-end"


def unquote(text: bytes) -> bytes:
    """One MONITOR argument (``sdscatrepr``'s quoting) back to its bytes."""
    out, i = bytearray(), 0
    while i < len(text):
        c = text[i]
        if c == 0x5C and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == ord("x"):
                out += bytes([int(text[i + 2:i + 4], 16)])
                i += 4
                continue
            out += _ESCAPES.get(nxt, bytes([nxt]))
            i += 2
            continue
        out.append(c)
        i += 1
    return bytes(out)


def parse(line: bytes) -> tuple[bool, list[bytes]]:
    """A MONITOR line -> (run by a script, its arguments)."""
    head, _, rest = line.partition(b"] ")
    return head.endswith(b" lua"), [unquote(m.group(1)) for m in _ARG.finditer(rest)]


def group(lines: list[tuple[bool, list[bytes]]], lua_after: bool) -> list[tuple[list[bytes], list[list[bytes]]]]:
    """Each EVALSHA with the commands its script ran: after it in MONITOR before Redis 7, before
    it since. A script runs atomically, so nothing else falls between."""
    calls, pending = [], []
    for by_lua, args in lines:
        if by_lua:
            if lua_after and calls:
                calls[-1][1].append(args)
            elif not lua_after:
                pending.append(args)
        elif args and args[0].upper() in (b"EVALSHA", b"EVAL"):
            calls.append((args, [] if lua_after else pending))
            pending = []
        elif not lua_after:
            pending = []
    return calls


def _keys(client: redis.Redis, command: tuple[bytes, ...]) -> tuple[bytes, ...]:
    """The keys of one command, as Redis sees them (``COMMAND GETKEYS``; none for TIME and the like).
    Sent on a bare connection: redis-py would parse the answer as COMMAND's."""
    conn = client.connection_pool.get_connection()
    try:
        conn.send_command("COMMAND", "GETKEYS", *command)
        try:
            return tuple(conn.read_response(disable_decoding=True))
        except redis.ResponseError:
            return ()
    finally:
        client.connection_pool.release(conn)


class Watch:
    def __init__(self, url: str):
        self.url = url
        self.client = redis.Redis.from_url(url)
        self.lines: list[tuple[bool, list[bytes]]] = []
        self.conn = self.client.connection_pool.get_connection()
        self.conn.send_command("MONITOR")
        self.conn.read_response()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while True:
            line = self.conn.read_response(disable_decoding=True)
            by_lua, args = parse(line)
            if args[:2] == [b"echo", END] or args[:2] == [b"ECHO", END]:
                return
            self.lines.append((by_lua, args))

    def finish(self, path: str) -> None:
        self.client.echo(END)
        self.thread.join(30)
        self.conn.disconnect()
        major = int(self.client.info("server")["redis_version"].split(".")[0])
        calls = group(self.lines, lua_after=major < 7)
        commands = {tuple(c) for _, ran in calls for c in ran}
        keys_of = {c: _keys(self.client, c) for c in commands}
        records = []
        for args, ran in calls:
            sha = args[1].decode()
            n = int(args[2])
            touched = {k for c in ran for k in keys_of[tuple(c)]}
            records.append({"sha": sha.lower(), "keys": [k.decode("latin-1") for k in args[3:3 + n]],
                            "touched": sorted(k.decode("latin-1") for k in touched)})
        self.client.close()
        with open(path, "w") as fh:
            json.dump(records, fh)


@pytest.fixture(scope="session", autouse=True)
def _slot_watch(redis_server):
    watch = Watch(redis_server.url)
    yield
    watch.finish(os.environ["NATQ_SLOT_WATCH"])
