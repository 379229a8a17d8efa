"""A local natqueue cluster: N app processes on one Redis, the way a district deploys it.

    python scripts/cluster.py -n 2 [--port 5000] [--redis-url URL] [--data-dir DIR] [--nginx]

Each process is its own gunicorn with one gevent-websocket worker (``-w 1``) on its own port
(PORT, PORT+1, …): Socket.IO's long-polling needs every request of a phone to reach the same
process, so a balancer in front keeps each client on one port (``ip_hash``; docs/deploy.md), and
one gunicorn with several workers on one port could not. The processes share everything through
Redis: the queues, the staff tokens' key, and the Socket.IO message queue that carries a call
made on one process to a phone connected to another.

Redis is ``--redis-url`` (or REDIS_URL) when given; otherwise one embedded Redis is started
for the whole cluster with its data under ``--data-dir``. With ``--nginx`` an nginx (found on
PATH) listens on ``--port`` in front of the processes, with the configuration docs/deploy.md
describes, and the processes take the ports after it.

When every process answers, one JSON line goes to stdout: ``urls`` (one per process), ``front``
(the address to give phones: nginx, or the first process), ``redis_url``, ``pids``, ``token``
(the organizer's). Tests and benchmarks read that line. SIGTERM or SIGINT stops the processes,
nginx and the embedded Redis, in that order; a process that dies stops the cluster too.
"""

import argparse
import json
import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from natqueue.store.embedded import EmbeddedRedis, stop_process  # noqa: E402

#: The worker class: gevent with gevent-websocket (gunicorn sets TCP_NODELAY on its listener).
WORKER = "geventwebsocket.gunicorn.workers.GeventWebSocketWorker"
#: Connected phones one process may hold (each is one connection); the file limit must allow it.
WORKER_CONNECTIONS = 20000


def gunicorn_command(host: str, port: int) -> list[str]:
    """One app process: one gunicorn, one worker, one port."""
    return [sys.executable, "-m", "gunicorn", "-k", WORKER, "-w", "1", "-b", f"{host}:{port}",
            # gunicorn's default of 1,000 connections per worker would turn phone 1,001 away.
            "--worker-connections", str(WORKER_CONNECTIONS),
            "--graceful-timeout", "5", "--timeout", "60", "--log-level", "warning", "app:create_app()"]


def nginx_config(front_port: int, ports: list[int], prefix: str) -> str:
    """The configuration of docs/deploy.md, for processes on loopback and nginx in ``prefix``."""
    upstream = "\n".join(f"        server 127.0.0.1:{p};" for p in ports)
    return f"""worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 20000; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    include /etc/nginx/mime.types;
    upstream natqueue {{
        ip_hash;  # long-polling: every request of one phone reaches the same process
{upstream}
        keepalive 64;
    }}
    map $http_upgrade $connection_upgrade {{ default upgrade; '' ''; }}
    server {{
        listen 127.0.0.1:{front_port};
        location /static/ {{
            alias {ROOT}/static/;
            expires 7d;
            gzip on;  # a third of the bytes: the resident's first open on a weak network
            gzip_comp_level 6;
            gzip_types text/css application/javascript image/svg+xml;
            gzip_vary on;
        }}
        location / {{
            proxy_pass http://natqueue;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;  # with its port: the QR codes' links
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 120s;
        }}
    }}
}}
"""


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/api/v1/sites", timeout=2) as res:
            return res.status == 200
    except OSError:
        return False


def _wait_until_serving(urls: list[str], children: list[subprocess.Popen], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    waiting = list(urls)
    while waiting:
        if any(c.poll() is not None for c in children):
            raise RuntimeError("a cluster process exited while starting")
        if time.monotonic() > deadline:
            raise RuntimeError(f"not serving within {seconds:.0f} s: {', '.join(waiting)}")
        waiting = [u for u in waiting if not _answers(u)]
        if waiting:
            time.sleep(0.1)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--processes", type=int, default=2)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 5000)))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"))
    parser.add_argument("--data-dir", default=os.path.join(ROOT, "instance", "cluster"))
    parser.add_argument("--nginx", action="store_true", help="nginx on --port in front of the processes")
    parser.add_argument("--start-timeout", type=float, default=60)
    args = parser.parse_args(argv)
    if args.processes < 1:
        parser.error("-n must be at least 1")
    os.makedirs(args.data_dir, exist_ok=True)
    # Every phone is an open socket: the processes inherit the highest file limit allowed.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, WORKER_CONNECTIONS + 1024)), hard))

    embedded = None
    children: list[subprocess.Popen] = []
    nginx = None
    prefix = None
    stopping = False

    def _stop(signum, _frame):
        nonlocal stopping
        stopping = True
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        redis_url = args.redis_url
        if not redis_url:
            embedded = EmbeddedRedis(os.path.join(args.data_dir, "redis")).start()
            redis_url = embedded.url
        # One organizer token for every process (each would otherwise make its own).
        token = os.environ.get("NATQ_ADMIN_TOKEN") or secrets.token_urlsafe(24)
        first = args.port + 1 if args.nginx else args.port
        ports = [first + i for i in range(args.processes)]
        env = {**os.environ, "REDIS_URL": redis_url, "NATQ_ADMIN_TOKEN": token,
               "NATQ_DATA_DIR": args.data_dir}
        if args.nginx:
            env.setdefault("NATQ_TRUSTED_PROXIES", "1")
        for port in ports:
            children.append(subprocess.Popen(gunicorn_command(args.host, port), cwd=ROOT, env=env))
        urls = [f"http://{args.host}:{p}" for p in ports]
        front = urls[0]
        if args.nginx:
            prefix = tempfile.mkdtemp(prefix="natqueue-nginx-")
            with open(os.path.join(prefix, "nginx.conf"), "w") as fh:
                fh.write(nginx_config(args.port, ports, prefix))
            nginx = subprocess.Popen(["nginx", "-p", prefix, "-c", os.path.join(prefix, "nginx.conf")])
            children.append(nginx)
            front = f"http://{args.host}:{args.port}"
        _wait_until_serving(urls + ([front] if args.nginx else []), children, args.start_timeout)
        print(json.dumps({"urls": urls, "front": front, "redis_url": redis_url, "token": token,
                          "pids": [c.pid for c in children if c is not nginx],
                          "redis_pid": embedded.process.pid if embedded else None}), flush=True)
        while all(c.poll() is None for c in children):
            time.sleep(0.5)
        print("a cluster process exited: stopping the cluster", file=sys.stderr)
        return 1
    except RuntimeError as err:
        print(f"cluster: {err}", file=sys.stderr)
        return 1
    except SystemExit:
        return 0 if stopping else 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            stop_process(child)
        if embedded is not None:
            embedded.stop()
        if prefix is not None:
            shutil.rmtree(prefix, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
