"""Serve natqueue for a benchmark: the real app on the real server, plus a bare endpoint.

    python bench/serve.py [--port 0]

Runs ``natqueue.web.create_app`` on ``natqueue.web.server.make_server`` (gevent,
TCP_NODELAY, gevent-websocket) exactly as ``app.py`` does, with the embedded
Redis (AOF on) in a fresh temporary directory and no message queue. The one
addition is ``GET /bench/bare``, a Flask route returning a small JSON document
through the same server and middleware, so a join's cost can be read against
what the stack itself costs in the same run.

When ready it prints one JSON line on stdout: port, its own pid, the embedded
redis-server's pid, the organizer token and the temporary directory. SIGTERM or SIGINT stops it; it then
stops its Redis and removes the temporary directory. The Redis child also dies
with this process if it is killed outright (natqueue.store.embedded sets PDEATHSIG).
"""

from gevent import monkey

monkey.patch_all()  # before anything else is imported in the process that serves

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402

import gevent  # noqa: E402

# natqueue from this checkout, or from the one named by --root (bench/compare.py runs older commits).
_ROOT = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--root=")), None)
sys.path.insert(0, os.path.abspath(_ROOT) if _ROOT else os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from flask import jsonify  # noqa: E402

from natqueue.web import close_app, create_app  # noqa: E402
from natqueue.web.server import make_server  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--root", help="serve the natqueue of this checkout instead (given as --root=PATH)")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="natq-bench-")
    app = None
    try:
        app = create_app({
            "REDIS_URL": None,  # the embedded Redis, whatever the environment says
            "NATQ_MESSAGE_QUEUE": "off",  # one process
            "NATQ_DATA_DIR": data_dir,
            "NATQ_ADMIN_TOKEN": secrets.token_urlsafe(24),
            "SECRET_KEY": secrets.token_urlsafe(32),
            # One load generator on loopback stands for thousands of residents: no join limits.
            "NATQ_JOINS_PER_ADDRESS": 0,
            "NATQ_JOINS_PER_SITE": 0,
        })

        @app.get("/bench/bare")
        def bench_bare():
            return jsonify({"ok": True, "server": "natqueue-bench"})

        server = make_server(app, args.host, args.port)
        server.start()
        embedded = app.extensions.get("natqueue_embedded")
        print(json.dumps({
            "port": server.server_port,
            "pid": os.getpid(),
            "redis_pid": embedded.process.pid if embedded and embedded.process else None,
            "admin_token": app.config["NATQ_ADMIN_TOKEN"],
            "data_dir": data_dir,
        }), flush=True)
        for signum in (signal.SIGTERM, signal.SIGINT):
            gevent.signal_handler(signum, server.stop)
        server.serve_forever()
    finally:
        embedded = app.extensions.get("natqueue_embedded") if app is not None else None
        try:
            if app is not None:
                close_app(app)
        finally:
            if embedded is not None:
                embedded.stop()  # again, in case close_app failed half-way; a no-op otherwise
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
