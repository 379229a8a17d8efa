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

from natqueue.web import close_app, create_app  # noqa: E402, F401  (flask --app app finds create_app)


def main(argv=None) -> int:
    from natqueue.sites import registry, staff_code
    from natqueue.store.backend import QueueError
    from natqueue.web import get_backend
    from natqueue.web.addresses import lan_addresses, remember_base_url
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
    demo_code = None
    with app.app_context():
        backend = get_backend()
        remember_base_url(backend, base)  # the CLI prints links to where this server really is
        if args.demo:
            try:
                demo_code = registry.create_site(backend, "demo", "演示采样点 Demo site", 2)["staff_code"]
            except QueueError:
                # A restart keeps the code: every console signed in before stays signed in.
                demo_code = staff_code.current_staff_code(backend, "demo") or staff_code.rotate_staff_code(
                    backend, "demo")
        site_ids = registry.list_site_ids(backend)

    print("natqueue is running", flush=True)
    token = app.config["NATQ_ADMIN_TOKEN"]
    print(f"  organizer API:   {base}/api/v1/sites   (Authorization: Bearer {token})")
    print(f"  dashboard:       {base}/dashboard   (sign in with the organizer token)")
    print(f"  every site:      {base}/organizer/sites   ({len(site_ids)} site{'' if len(site_ids) == 1 else 's'})")
    for site_id in site_ids[:3]:
        print(f"  {site_id}: residents {base}/s/{site_id}   station 1 {base}/station/{site_id}/1")
    if len(site_ids) > 3:
        print(f"  ... and {len(site_ids) - 3} more: see {base}/organizer/sites")
    if not app.config["NATQ_PUBLIC_URL"]:
        reachable = lan_addresses()
        lan = f"http://{reachable[0]}:{port}" if reachable else f"http://<this laptop's Wi-Fi address>:{port}"
        if host in ("0.0.0.0", "::") and reachable:
            print(f"  phones on this network reach natqueue at: {', '.join(f'http://{a}:{port}' for a in reachable)}")
            print(f"  set NATQ_PUBLIC_URL={lan} so the posters' QR codes point there")
        else:
            print("  WARNING: QR codes and posters point at this computer only (127.0.0.1): no phone can open them.")
            print(f"  For phones: HOST=0.0.0.0 NATQ_PUBLIC_URL={lan} python app.py")
    if demo_code:
        print(f"  demo staff code: {demo_code}")
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
