"""The district replay's load: residents joining on an arrival curve, their phones, the staff
consoles, the organizer's dashboards and the probes. Driven by bench/district.py (one or more
shards, each a process with a share of the sites) and by tests/test_district_smoke.py (one shard
in the test's own process).

    python bench/district_load.py shard|probe   (a JSON config line on stdin; see district.py)

Residents (``schedule``) arrive over ``morning_s`` seconds of the real morning, replayed
``compress`` times faster, at the quantiles of the arrival density ``f(t) = exp(-t/decay_s) +
floor``: a queue at opening that decays (about half of the morning's residents in its first
half-hour with the defaults) over a floor of late-comers. Each goes to a site drawn at random
(seeded), joins over HTTP (retried with the same Idempotency-Key on a lost answer), and one in
``residents / phones`` opens a websocket on its ticket at once and keeps it open to the end.
Each station of a site calls, waits one swab (``swab_s``, already compressed) and marks the
person sampled; with nobody waiting it presses call again a swab later, and it stops once every
resident of its site has joined and nobody waits. A dashboard per site watches the site's
figures (``watch_dashboard``); a probe process at a higher priority watches every site's room
and decodes each ``called`` event at once: its latency is the server's side of a call.

The Socket.IO clients speak the protocol themselves (``Socket`` in bench/district_clients.py):
a phone skips the frames it has no use for by their first bytes, where python-socketio's client
decodes every frame of its site's room, and so costs the load core several times less.
"""

import asyncio
import bisect
import json
import math
import random
import signal
import sys
import time

import aiohttp
from common import resident
from district_clients import Http, Socket, event

#: Where a phone's call is kept: the live event, or the snapshot the phone got on watching.
LIVE, SNAPSHOT = "live", "snapshot"


def arrival_offsets(n: int, morning_s: float, decay_s: float, floor: float) -> list[float]:
    """``n`` arrival offsets (seconds into the real morning), at the quantiles of the density."""
    def cdf(t: float) -> float:
        return decay_s * (1 - math.exp(-t / decay_s)) + floor * t
    grid = [morning_s * i / 4096 for i in range(4097)]
    values = [cdf(t) for t in grid]
    total = values[-1]
    found = []
    for i in range(n):
        target = (i + 0.5) / n * total
        j = max(1, bisect.bisect_left(values, target))
        t0, t1, v0, v1 = grid[j - 1], grid[j], values[j - 1], values[j]
        found.append(t0 + (t1 - t0) * (target - v0) / (v1 - v0 or 1))
    return found


def schedule(cfg: dict) -> list[tuple[int, float, int, bool]]:
    """Every resident: (index, offset in replay seconds, site index, has a phone)."""
    n, sites = cfg["residents"], cfg["sites_total"]
    rng = random.Random(cfg.get("seed", 20220403))
    offsets = arrival_offsets(n, cfg["morning_s"], cfg["decay_s"], cfg["floor"])
    phones = set(rng.sample(range(n), min(n, cfg["phones"])))
    return [(i, offsets[i] / cfg["compress"], rng.randrange(sites), i in phones) for i in range(n)]


def make_config(sites: list[dict], organizer: str, *, residents: int = 100_000, sites_total: int | None = None,
                stations: int = 4, phones: int = 10_000, morning_min: float = 120, compress: float = 12,
                decay_min: float = 30, floor: float = 0.1, swab_s: float = 27, idle_s: float | None = None,
                seed: int = 20220403, dashboards: bool = True, timeout_min: float = 60,
                urls: list[str] | None = None) -> dict:
    """A shard's configuration, in the real morning's units (the defaults: the full district);
    ``sites`` are the shard's (``setup_sites``), ``sites_total`` all of the district's; ``urls``
    the processes residents join and watch through (default: their site's console's)."""
    return {"residents": residents, "sites_total": sites_total or len(sites), "stations": stations,
            "phones": phones, "morning_s": morning_min * 60, "decay_s": decay_min * 60, "floor": floor,
            "compress": compress, "swab_s": swab_s / compress,
            "idle_s": swab_s / compress if idle_s is None else idle_s, "seed": seed, "organizer": organizer,
            "dashboards": dashboards, "timeout_s": timeout_min * 60, "drain_s": 10, "sites": sites,
            "urls": urls or []}


async def setup_sites(url: str, organizer: str, count: int, stations: int, urls: list[str]) -> list[dict]:
    """Create ``count`` sites (no tube needed to sample) and sign a console in at each."""
    async with aiohttp.ClientSession() as session:
        http, gate = Http(session), asyncio.Semaphore(8)

        async def one(i: int) -> dict:
            site_id = f"d{i:04d}"
            async with gate:
                status, site = await http.post(url + "/api/v1/sites", {
                    "id": site_id, "name": f"街道 {site_id}", "stations": stations, "require_tube": False},
                    token=organizer)
                if status != 201:
                    raise RuntimeError(f"creating {site_id}: {status} {site}")
                status, auth = await http.post(url + "/api/v1/auth/staff", {"site_id": site_id,
                                                                             "code": site["staff_code"]})
                if status != 200:
                    raise RuntimeError(f"staff sign-in at {site_id}: {status} {auth}")
            return {"id": site_id, "index": i, "token": auth["token"], "url": urls[i % len(urls)]}

        return list(await asyncio.gather(*(one(i) for i in range(count))))


class Shard:
    """The replay of this shard's sites: its residents, phones, consoles and dashboards."""

    def __init__(self, cfg: dict):
        self.cfg = cfg
        self.sites = {s["index"]: s for s in cfg["sites"]}
        self.residents = [r for r in schedule(cfg) if r[2] in self.sites]
        self.joins_left = {i: 0 for i in self.sites}
        for r in self.residents:
            self.joins_left[r[2]] += 1
        self.joined: dict[str, int] = {}  # ticket id -> resident
        self.join_failed: list[str] = []
        self.join_done: list[tuple[float, float]] = []  # (offset from t0, latency)
        self.calls: dict[str, int] = {}
        self.call_sent: dict[str, float] = {}  # ticket id -> when its call was sent
        self.number_sent: dict[str, float] = {}  # "site|number" -> when its call was sent
        self.sampled_at: dict[str, list[float]] = {s["id"]: [] for s in cfg["sites"]}
        self.phones: dict[str, Socket] = {}
        self.heard: dict[str, tuple[float, str]] = {}  # ticket id -> (when, LIVE or SNAPSHOT)
        self.phone_failed: list[str] = []
        self.stats_seen: dict[str, list[tuple[float, int]]] = {s["id"]: [] for s in cfg["sites"]}
        self.dashboards: list[Socket] = []
        self.errors: list[str] = []
        self.t0 = 0.0

    async def prepare(self, session: aiohttp.ClientSession) -> None:
        """The dashboards, open before the morning starts."""
        if not self.cfg.get("dashboards", True):
            return
        for site in self.cfg["sites"]:
            def seen(frame, at, site_id=site["id"]):
                if frame.startswith('42["stats"'):
                    self.stats_seen[site_id].append((at, event(frame)[1]["throughput"]["today"]))
            sock = await Socket.open(session, site["url"], seen)
            ack = await sock.call("watch_dashboard", {"site_ids": [site["id"]], "token": self.cfg["organizer"]})
            if not ack.get("ok"):
                raise RuntimeError(f"watch_dashboard refused: {ack}")
            self.dashboards.append(sock)

    async def run(self, session: aiohttp.ClientSession, sockets: aiohttp.ClientSession, t0: float,
                  deadline: float) -> None:
        self.t0, self.http = t0, Http(session, self.cfg.get("http_connections", 200))
        self.sockets, self.gate = session, asyncio.Semaphore(self.cfg.get("connect_concurrency", 100))
        self.phone_tasks: list[asyncio.Task] = []
        stations = [self._station(site, n) for site in self.cfg["sites"]
                    for n in range(1, self.cfg["stations"] + 1)]
        try:
            await asyncio.wait_for(asyncio.gather(self._arrivals(), *stations), max(1.0, deadline - time.time()))
        except TimeoutError:
            self.errors.append("the replay did not finish before its deadline")
        await asyncio.gather(*self.phone_tasks, return_exceptions=True)
        waiting_for = [t for t in self.phones if t not in self.heard]
        end = min(deadline, time.time() + self.cfg.get("drain_s", 10))
        while waiting_for and time.time() < end:  # a call's frame still on its way
            await asyncio.sleep(0.1)
            waiting_for = [t for t in waiting_for if t not in self.heard]

    async def close(self) -> None:
        await asyncio.gather(*(s.close() for s in [*self.phones.values(), *self.dashboards]),
                             return_exceptions=True)

    async def _arrivals(self) -> None:
        pending = []
        for index, offset, site_index, has_phone in self.residents:
            delay = self.t0 + offset - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            pending.append(asyncio.create_task(self._join(index, self.sites[site_index], has_phone)))
        await asyncio.gather(*pending)

    async def _join(self, index: int, site: dict, has_phone: bool) -> None:
        # A resident's phone reaches any process (a balancer's ip_hash), not its site's console's.
        urls = self.cfg.get("urls") or [site["url"]]
        url = urls[index % len(urls)]
        sent = time.time()
        try:
            status, ticket = await self.http.post(f"{url}/api/v1/sites/{site['id']}/tickets", resident(index))
        except Exception as exc:  # noqa: BLE001 - counted: the resident was never queued
            status, ticket = 0, {"error": repr(exc)}
        self.joins_left[site["index"]] -= 1
        if status != 201:
            self.join_failed.append(f"{index}: {status} {str(ticket)[:200]}")
            return
        done = time.time()
        self.join_done.append((done - self.t0, done - sent))
        self.joined[ticket["id"]] = index
        if has_phone:
            self.phone_tasks.append(asyncio.create_task(self._phone(ticket, url)))

    async def _phone(self, ticket: dict, url: str) -> None:
        tid = ticket["id"]
        frames = [0]  # the first ticket frame is the snapshot watch_ticket answers with

        def on_event(frame, at):
            if tid in self.heard or not frame.startswith('42["ticket"'):
                return
            frames[0] += 1
            status = event(frame)[1].get("status")
            if frames[0] > 1 and status == "called":
                self.heard[tid] = (at, LIVE)
            elif frames[0] == 1 and status != "waiting":  # called before the phone watched
                self.heard[tid] = (at, SNAPSHOT)
        try:
            async with self.gate:
                sock = await Socket.open(self.sockets, url, on_event)
                self.phones[tid] = sock
                ack = await sock.call("watch_ticket", {"ticket_id": tid, "token": ticket["token"]})
            if not ack.get("ok"):
                raise RuntimeError(f"watch_ticket refused: {ack}")
        except Exception as exc:  # noqa: BLE001 - a phone that could not watch is counted
            self.phone_failed.append(f"{tid}: {type(exc).__name__}: {exc}")

    async def _station(self, site: dict, number: int) -> None:
        swab, idle = self.cfg["swab_s"], self.cfg.get("idle_s", self.cfg["swab_s"])
        call_url = f"{site['url']}/api/v1/sites/{site['id']}/stations/{number}/call"
        while True:
            sent = time.time()
            status, body = await self.http.post(call_url, token=site["token"])
            ticket = body.get("ticket") if status == 200 else None
            if status != 200:
                self.errors.append(f"call at {site['id']}/{number}: {status} {str(body)[:200]}")
            if ticket is None:
                if self.joins_left[site["index"]] == 0 and status == 200:
                    return  # everyone of the site has joined and nobody waits
                await asyncio.sleep(idle)
                continue
            tid = ticket["id"]
            self.calls[tid] = self.calls.get(tid, 0) + 1
            self.call_sent[tid] = sent
            self.number_sent[f"{site['id']}|{ticket['number']}"] = sent
            await asyncio.sleep(swab)
            status, body = await self.http.post(f"{site['url']}/api/v1/tickets/{tid}/sampled", token=site["token"])
            if status != 200:
                self.errors.append(f"sampled {tid}: {status} {str(body)[:200]}")
            else:
                self.sampled_at[site["id"]].append(time.time())

    def result(self) -> dict:
        """What the shard saw, reduced to what the report needs."""
        latencies = [at - self.call_sent[tid] for tid, (at, how) in self.heard.items()
                     if how == LIVE and tid in self.call_sent]
        lags = []
        for site_id, samples in self.sampled_at.items():
            seen = self.stats_seen[site_id]
            k = 0
            for j, done in enumerate(sorted(samples), 1):  # the first figures that count the j-th sample
                while k < len(seen) and seen[k][1] < j:
                    k += 1
                if k == len(seen):
                    break
                lags.append(max(0.0, seen[k][0] - done))
        phones = set(self.phones) | {f.split(":")[0] for f in self.phone_failed}
        return {
            "residents": len(self.residents), "joined": len(self.joined), "join_failed": self.join_failed[:20],
            "join_failed_n": len(self.join_failed), "join_done": self.join_done,
            "called_once": sum(1 for t in self.joined if self.calls.get(t) == 1),
            "never_called": [t for t in self.joined if t not in self.calls][:20],
            "never_called_n": sum(1 for t in self.joined if t not in self.calls),
            "called_twice": [t for t, c in self.calls.items() if c > 1][:20],
            "called_unknown": [t for t in self.calls if t not in self.joined][:20],
            "calls": sum(self.calls.values()), "samples": sum(len(v) for v in self.sampled_at.values()),
            "phones": len(phones), "phones_watching": len(self.phones) - len(self.phone_failed),
            "phone_failed": self.phone_failed[:5], "phone_failed_n": len(self.phone_failed),
            "phones_unheard": [t for t in self.phones if t not in self.heard][:20],
            "phones_unheard_n": sum(1 for t in self.phones if t not in self.heard),
            "heard_live": sum(1 for h in self.heard.values() if h[1] == LIVE),
            "heard_snapshot": sum(1 for h in self.heard.values() if h[1] == SNAPSHOT),
            "latencies": latencies, "dashboard_lags": lags, "number_sent": self.number_sent,
            "http_retries": self.http.retries, "errors": self.errors[:20], "errors_n": len(self.errors),
        }


async def replay(cfg: dict, ready=None, wait_go=None) -> dict:
    """One shard from start to end: dashboards, then (``await wait_go()`` -> t0) the morning.
    The websockets have a session of their own: each holds its connection for the whole
    morning, and in the HTTP pool they would take every slot the joins and consoles need."""
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=cfg.get("request_timeout_s", 60))
    async with (aiohttp.ClientSession(connector=connector, timeout=timeout) as session,
                aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as sockets):
        shard = Shard(cfg)
        try:
            await shard.prepare(sockets)
            if ready:
                ready(shard)
            t0 = await wait_go() if wait_go else time.time() + 0.2
            await shard.run(session, sockets, t0, t0 + cfg["timeout_s"])
        finally:
            await shard.close()
        return shard.result()


async def probe(cfg: dict, stop) -> dict:
    """A watch_site per site; the first arrival of each ``called`` event, as "site|number" -> time."""
    seen: dict[str, float] = {}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        socks = []
        try:
            for site in cfg["sites"]:
                def on_event(frame, at, site_id=site["id"]):
                    if frame.startswith('42["site_event"') and '"called"' in frame:
                        data = event(frame)[1]
                        if data.get("type") == "called":
                            seen.setdefault(f"{site_id}|{data.get('number')}", at)
                sock = await Socket.open(session, site["url"], on_event)
                socks.append(sock)
                await sock.call("watch_site", {"site_id": site["id"]})
            print("READY", flush=True)
            await stop()
        finally:
            await asyncio.gather(*(s.close() for s in socks), return_exceptions=True)
    return {"seen": seen}


def _dump_tasks() -> None:
    """SIGUSR1: every task's stack to stderr (what a stalled replay waits for)."""
    import collections

    where = collections.Counter()
    for task in asyncio.all_tasks():
        chain, coro = [], task.get_coro()
        while coro is not None:
            frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
            if frame is not None:
                chain.append(f"{frame.f_code.co_name}:{frame.f_lineno}")
            coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
        where[" > ".join(chain)] += 1
    for chain, n in where.most_common():
        print(f"{n} {chain}", file=sys.stderr)


async def _main(kind: str) -> None:
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, _dump_tasks)
    stdin = asyncio.StreamReader(limit=1 << 26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    cfg = json.loads(await stdin.readline())
    if kind == "probe":
        result = await probe(cfg, stdin.readline)
    else:
        running: list[Shard] = []
        ticker = None

        async def go() -> float:
            nonlocal ticker
            line = (await stdin.readline()).decode().split()
            ticker = asyncio.create_task(_tick(running[0]))
            return float(line[1])

        def ready(shard: Shard) -> None:
            running.append(shard)
            print("READY", flush=True)

        result = await replay(cfg, ready=ready, wait_go=go)
        if ticker:
            ticker.cancel()
    print("DONE " + json.dumps(result, separators=(",", ":")), flush=True)


async def _tick(shard: Shard) -> None:
    """``PHONES n`` every second: the phones connected, for the memory per phone."""
    while True:
        print(f"PHONES {sum(1 for s in shard.phones.values() if s.connected)}", flush=True)
        await asyncio.sleep(1)


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.CRITICAL)
    asyncio.run(_main(sys.argv[1]))
