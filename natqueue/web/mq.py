"""The Socket.IO message queue between app processes, with its publishes batched.

python-socketio's Redis manager publishes every emit on its own, from the greenlet that
emits: a join waits for one more Redis round trip before it answers, and at a peak each
process sends Redis one PUBLISH per change, which Redis then delivers to every process, where
each is decoded on its own. Measured on a join (py-spy, one cluster process): the publish was
18% of the request.

Here an emit is handled in this process at once, as before, and its message for the other
processes is put in an outbox. One greenlet per process sends what the outbox holds as one
message (``method: "batch"``), after the emitting greenlet yields: at a peak, dozens of changes
travel in one PUBLISH and are decoded once in each process, and the request answers without
waiting for Redis. Order is kept (the outbox is first in, first out, and one greenlet sends).

What this does not change: emits are hints. A message Redis does not take after the manager's
two tries is dropped and logged, as before; phones and dashboards resync from Redis keys when
they reconnect (``watch_site`` with the last event id).
"""

import gevent
import socketio
from gevent import monkey

from natqueue.figures import metrics

#: The most messages one batch carries; a burst larger than this goes as several batches.
BATCH_LIMIT = 500


class BatchingRedisManager(socketio.RedisManager):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._outbox: list[dict] = []
        self._sender = None

    def _publish(self, data):
        if not monkey.is_module_patched("socket"):
            # A command-line process runs no gevent loop: a greenlet would never send.
            return super()._publish(data)
        self._outbox.append(data)
        if self._sender is None:
            self._sender = gevent.spawn(self._send)

    def _send(self) -> None:
        try:
            while self._outbox:
                batch, self._outbox = self._outbox[:BATCH_LIMIT], self._outbox[BATCH_LIMIT:]
                if len(batch) == 1:
                    super()._publish(batch[0])
                else:
                    super()._publish({"method": "batch", "host_id": self.host_id, "items": batch})
        finally:
            self._sender = None

    def _handle_emit(self, message):
        super()._handle_emit(message)
        if message.get("host_id") != self.host_id and message.get("event") == "site_event":
            # A change made in another process reached this one's phones: how late (/metrics).
            data = message.get("data")
            if isinstance(data, list) and data and isinstance(data[0], dict):
                metrics.broadcast_sent(data[0].get("id"), via_queue=True)

    def _listen(self):
        """Each message of a batch, as python-socketio's listener expects them one by one."""
        for message in super()._listen():
            data = message
            if isinstance(message, (bytes, str)):
                try:
                    data = self.json.loads(message)
                except ValueError:
                    continue
            if not isinstance(data, dict):
                continue
            if data.get("method") != "batch":
                yield data
            elif data.get("host_id") != self.host_id:
                yield from data.get("items", ())
            else:  # this process handled its own emits at once; a callback may still be for it
                yield from (item for item in data.get("items", ()) if item.get("method") == "callback")
