"""Send the script calls of concurrent requests to Redis together.

A busy site process serves many requests at once (greenlets under gevent,
threads elsewhere). Each one's script call alone costs a write, a wait for
the answer and a read: most of a join's own CPU is that round trip (see
docs/benchmarks.md). Here the calls that pile up while one batch is on the
wire leave together as one pipeline (not a transaction: each script stays
atomic on its own, exactly as if sent alone), so the round trip's cost is
shared. The batches go out on one connection kept for them, written and read
directly: redis-py's per-command pool, retry and pipeline bookkeeping cost as
much CPU as the round trip itself. When that connection fails, each call falls
back to redis-py's own path, retries and backoff included, each caller on its
own (never one after the other behind the wire lock). A batch that timed out is
not sent again: Redis did not answer within the deadline, and asking again
would make every caller wait as long once more (see ``store.connect``).

Group commit: every caller queues its call, then takes the one wire lock;
whoever holds it sends everything queued so far and hands each caller its
answer. A caller whose answer came with someone else's batch just returns.
"""

import threading

import redis

#: Stands for an answer the batch did not bring: the call goes again on its own.
_RESEND = object()


class _Call:
    __slots__ = ("script", "keys", "args", "result", "done")

    def __init__(self, script, keys, args):
        self.script = script
        self.keys = keys
        self.args = args
        self.result = None
        self.done = False


class Coalescer:
    def __init__(self, client: redis.Redis, max_batch: int = 64):
        self._client = client
        self._max_batch = max_batch
        self._queued: list[_Call] = []
        self._queue_lock = threading.Lock()
        self._wire = threading.Lock()
        #: Used only by whoever holds ``_wire``: no pool round per call.
        self._connection = None

    def call(self, script, keys: list, args: list):
        """Run a registered script (``redis.commands.core.Script``); its answer, or raise its error."""
        call = _Call(script, keys, args)
        with self._queue_lock:
            self._queued.append(call)
        with self._wire:
            if not call.done:
                with self._queue_lock:
                    batch = self._queued[: self._max_batch]
                    del self._queued[: self._max_batch]
                if call not in batch:  # queued behind a full batch: send the rest first
                    batch.append(call)
                    with self._queue_lock:
                        self._queued.remove(call)
                self._send(batch)
        result = call.result
        if result is _RESEND or isinstance(result, redis.exceptions.NoScriptError):
            # Redis restarted, or a Sentinel failover, or Redis lost its scripts (SCRIPT FLUSH):
            # the call goes again on its own, through redis-py with its (bounded) retries, and
            # loads its script if need be. Every state-changing script claims its request id
            # first, so a call that did run replays its answer.
            result = call.script(keys=call.keys, args=call.args)
        if isinstance(result, Exception):
            raise result
        return result

    def _send(self, batch: list[_Call]) -> None:
        """Write the batch in one packet and read its answers, on a connection held for this."""
        try:
            results = self._round_trip(batch)
        except redis.exceptions.TimeoutError as exc:
            self._drop_connection()
            results = [exc] * len(batch)
        except redis.exceptions.ConnectionError:
            self._drop_connection()
            results = [_RESEND] * len(batch)
        for c, result in zip(batch, results, strict=True):
            c.result = result
            c.done = True

    def _round_trip(self, batch: list[_Call]) -> list:
        if self._connection is None:
            self._connection = self._client.connection_pool.get_connection()
        conn = self._connection
        conn.send_packed_command(
            conn.pack_commands([("EVALSHA", c.script.sha, len(c.keys), *c.keys, *c.args) for c in batch])
        )
        results = []
        for _ in batch:
            try:
                results.append(conn.read_response())
            except redis.exceptions.ResponseError as exc:  # this script's own error; read on
                results.append(exc)
        return results

    def _drop_connection(self) -> None:
        conn, self._connection = self._connection, None
        if conn is not None:
            conn.disconnect()
            self._client.connection_pool.release(conn)

    def close(self) -> None:
        with self._wire:
            self._drop_connection()
