"""The district replay's clients: a resident, JSON over HTTP with retries, and a Socket.IO
client that speaks engine.io 4 over one websocket itself (bench/district_load.py uses them).

Every phone of the replay is a ``Socket``: it answers the server's pings and hands each event
frame to a callback undecoded, so a phone skips its site's frames by their first bytes where
python-socketio's client would decode each one. Only 127.0.0.1.
"""

import asyncio
import json
import time
import uuid

import aiohttp


class Socket:
    """A Socket.IO client on the websocket transport: connect, one call (``watch_*``), frames."""

    def __init__(self, ws, on_event):
        self.ws, self.on_event = ws, on_event
        self.acked = asyncio.get_running_loop().create_future()
        self.reader = None

    @classmethod
    async def open(cls, session: aiohttp.ClientSession, url: str, on_event, timeout: float = 60) -> "Socket":
        if not url.startswith("http://127.0.0.1:"):
            raise ValueError("the replay only connects to 127.0.0.1")
        ws = await session.ws_connect(url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket",
                                      autoping=True, max_msg_size=0, timeout=aiohttp.ClientWSTimeout(ws_close=5))
        try:
            opened = await ws.receive(timeout)
            if not str(opened.data).startswith("0"):
                raise ConnectionError(f"no engine.io open: {opened.data!r}")
            await ws.send_str("40")
            joined = await ws.receive(timeout)
            if not str(joined.data).startswith("40"):
                raise ConnectionError(f"namespace refused: {joined.data!r}")
        except BaseException:
            await ws.close()
            raise
        sock = cls(ws, on_event)
        sock.reader = asyncio.create_task(sock._read())
        return sock

    async def call(self, event: str, data: dict, timeout: float = 60):
        await self.ws.send_str("420" + json.dumps([event, data], separators=(",", ":")))
        return await asyncio.wait_for(asyncio.shield(self.acked), timeout)

    async def _read(self) -> None:
        async for msg in self.ws:
            frame = msg.data
            if frame == "2":
                await self.ws.send_str("3")
            elif frame.startswith("42"):
                self.on_event(frame, time.time())
            elif frame.startswith("430") and not self.acked.done():
                self.acked.set_result(json.loads(frame[3:])[0])
        if not self.acked.done():
            self.acked.set_exception(ConnectionError("closed"))

    @property
    def connected(self) -> bool:
        return not self.ws.closed

    async def close(self) -> None:
        await self.ws.close()
        if self.reader:
            await asyncio.gather(self.reader, return_exceptions=True)


def event(frame: str) -> tuple[str, dict]:
    name, data = json.loads(frame[2:])[:2]
    return name, data


class Http:
    """JSON over keep-alive connections, retried on a lost answer with the same Idempotency-Key."""

    def __init__(self, session: aiohttp.ClientSession, concurrency: int = 200):
        self.session = session
        self.retries = 0
        # Requests in flight are bounded here, not by the connector's limit: with aiohttp 3.14 its
        # slots were seen to leak until every request waited for one with no connection open.
        self.gate = asyncio.Semaphore(concurrency)

    async def post(self, url: str, body=None, token: str | None = None, tries: int = 6) -> tuple[int, dict]:
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        for attempt in range(tries):
            try:
                async with self.gate, self.session.post(url, json=body, headers=headers) as res:
                    if res.status < 500 or attempt == tries - 1:
                        return res.status, await res.json(content_type=None)
            except (TimeoutError, aiohttp.ClientError):
                if attempt == tries - 1:
                    raise
            self.retries += 1
            await asyncio.sleep(0.5 * (attempt + 1))
        raise AssertionError("unreachable")
