"""Run natqueue: ``python app.py [--demo]``.

Serves the app with gevent (WebSockets included) on HOST:PORT, starting the
embedded Redis when REDIS_URL is unset, and stops that Redis on exit.
"""

if __name__ == "__main__":
    # Before anything else is imported in the process that serves.
    from gevent import monkey

    monkey.patch_all()

import argparse  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402

from natqueue.sites import registry
from natqueue.web import close_app, create_app  # noqa: E402, F401  (flask --app app finds create_app)


def main(argv=None) -> int:
    from natqueue.store.backend import QueueError
    from natqueue.web import get_backend
    from natqueue.web.server import serve

    parser = argparse.ArgumentParser(description="natqueue: live queues for sampling sites")
    parser.add_argument("--demo", action="store_true", help="create a demo site with 2 stations if missing")
    parser.add_argument("--host", help="listen address (default HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default PORT or 5000)")
    args = parser.parse_args(argv)

    app = create_app()
    host = args.host or app.config["HOST"]
    port = args.port if args.port is not None else app.config["PORT"]
    base = (app.config["NATQ_PUBLIC_URL"] or f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}")
    base = base.rstrip("/")
    staff_code = None
    with app.app_context():
        backend = get_backend()
        if args.demo:
            try:
                staff_code = registry.create_site(backend, "demo", "演示采样点 Demo site", 2)["staff_code"]
            except QueueError:
                staff_code = staff_code.rotate_staff_code(backend, "demo")
        site_ids = registry.list_site_ids(backend)

    print("natqueue is running", flush=True)
    token = app.config["NATQ_ADMIN_TOKEN"]
    print(f"  organizer API:   {base}/api/v1/sites   (Authorization: Bearer {token})")
    print(f"  dashboard:       {base}/dashboard   (sign in with the organizer token)")
    for site_id in site_ids[:5]:
        print(f"  resident page:   {base}/s/{site_id}")
        print(f"  station console: {base}/station/{site_id}/1")
        print(f"  home team:       {base}/home/{site_id}/1")
        print(f"  rounds, exports: {base}/organizer/sites/{site_id}/rounds")
    if staff_code:
        print(f"  demo staff code: {staff_code}")
    if not site_ids:
        print("  no sites yet: python app.py --demo, or flask --app app site create SLUG --name NAME")
    sys.stdout.flush()

    def _stop(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _stop)
    try:
        serve(app, host, port)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        close_app(app)
    return 0


if __name__ == "__main__":
    sys.exit(main())
