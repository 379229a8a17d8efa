"""Many phones watching one site, in one asyncio process (started by bench/run_calls.py).

    python bench/phones.py --url http://127.0.0.1:PORT --site SITE --count N

Each phone is a python-socketio ``AsyncClient`` on the websocket transport
only; it emits ``watch_site`` and notes ``time.time()`` the moment each
``site_event`` of type ``called`` arrives. Prints ``READY <watching> <failed>``
once every phone has connected (or failed), then waits for ``STOP`` on stdin
(at most ``--max-seconds``), disconnects every phone and prints ``DONE`` and
``{"watching", "failed", "events": [[phone, number, time], ...]}`` on one
line. Only 127.0.0.1; no reconnection, so a lost phone shows as lost.
"""

import argparse
import asyncio
import json
import logging
import os
import sys
import time

import socketio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import raise_fd_limit  # noqa: E402


async def run(args) -> None:
    if not args.url.startswith("http://127.0.0.1:"):
        raise SystemExit("phones only connect to 127.0.0.1")
    events: list = []  # [phone, ticket number, arrival time]
    watching: list[socketio.AsyncClient] = []
    errors: list[str] = []
    gate = asyncio.Semaphore(args.concurrency)

    async def phone(index: int) -> None:
        sio = socketio.AsyncClient(reconnection=False)

        def on_site_event(event):  # a plain function: called as soon as the frame is decoded
            arrived = time.time()
            if isinstance(event, dict) and event.get("type") == "called":
                events.append((index, event.get("number"), arrived))

        sio.on("site_event", on_site_event)
        async with gate:
            try:
                await sio.connect(args.url, transports=["websocket"], wait_timeout=30)
                ack = await sio.call("watch_site", {"site_id": args.site}, timeout=30)
                if not (isinstance(ack, dict) and ack.get("ok")):
                    raise RuntimeError(f"watch_site refused: {ack}")
                watching.append(sio)
            except Exception as exc:  # noqa: BLE001 - a failed phone is counted, not fatal
                errors.append(f"{type(exc).__name__}: {exc}")
                try:
                    await asyncio.wait_for(sio.disconnect(), 10)
                except Exception:  # noqa: BLE001
                    pass

    await asyncio.wait_for(asyncio.gather(*(phone(args.first + i) for i in range(args.count))),
                           args.connect_seconds)
    print(f"READY {len(watching)} {len(errors)}", flush=True)
    if errors:
        print(f"first error: {errors[0]}", file=sys.stderr, flush=True)

    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    try:
        await asyncio.wait_for(stdin.readline(), args.max_seconds)
    except TimeoutError:
        pass
    still = sum(1 for sio in watching if sio.connected)
    try:
        await asyncio.wait_for(asyncio.gather(*(sio.disconnect() for sio in watching),
                                              return_exceptions=True), 60)
    except TimeoutError:
        pass
    result = {"watching": len(watching), "failed": len(errors), "still_connected": still,
              "errors": errors[:5], "events": events}
    print("DONE " + json.dumps(result, separators=(",", ":")), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--site", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--first", type=int, default=0, help="index of this process's first phone")
    parser.add_argument("--concurrency", type=int, default=50, help="phones connecting at once")
    parser.add_argument("--connect-seconds", type=float, default=300)
    parser.add_argument("--max-seconds", type=float, default=600, help="give up waiting for STOP")
    args = parser.parse_args()
    raise_fd_limit()
    logging.basicConfig(level=logging.CRITICAL)  # a disconnect storm at the end is expected
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
