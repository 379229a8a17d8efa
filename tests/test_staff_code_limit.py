"""Guessing a sign-in code (or a ticket to recover): counted atomically, per client address and per site.

Wrong codes sent at once once raced the limit (read, then counted in a second step): 300
wrong codes got 94 checked against a limit of 10. And ten wrong codes from anyone locked
every station of the site out for five minutes.
"""

from concurrent.futures import ThreadPoolExecutor

from natqueue.sites.staff_code import STAFF_FAIL_LIMIT_ADDRESS, STAFF_FAIL_LIMIT_SITE

SIGN_IN = "/api/v1/auth/staff"


def _sign_in(client, site, code, address="203.0.113.7", **headers):
    return client.post(SIGN_IN, json={"site_id": site["id"], "code": code},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


def _wrong(site) -> str:
    return "0" * 8 if site["staff_code"] != "0" * 8 else "1" * 8


def test_300_wrong_codes_at_once_check_at_most_the_limit(app, site):
    def attempt(_):
        return _sign_in(app.test_client(), site, _wrong(site)).status_code

    with ThreadPoolExecutor(max_workers=32) as pool:
        answers = list(pool.map(attempt, range(300)))
    assert set(answers) <= {403, 429}
    assert answers.count(403) <= STAFF_FAIL_LIMIT_ADDRESS  # 403: the code was checked, and wrong
    assert answers.count(429) >= 300 - STAFF_FAIL_LIMIT_ADDRESS


def test_the_right_code_from_the_locked_address_waits_too(client, site):
    for _ in range(STAFF_FAIL_LIMIT_ADDRESS):
        assert _sign_in(client, site, _wrong(site)).status_code == 403
    refused = _sign_in(client, site, site["staff_code"])
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "too_many_attempts"


def test_a_strangers_ten_wrong_codes_do_not_lock_the_sites_staff_out(client, site):
    for _ in range(STAFF_FAIL_LIMIT_ADDRESS + 5):
        assert _sign_in(client, site, _wrong(site), address="198.51.100.66").status_code in (403, 429)
    assert _sign_in(client, site, site["staff_code"], address="192.0.2.10").status_code == 200


def test_a_guess_spread_over_many_addresses_stops_at_the_site_limit(client, site):
    checked = 0
    for i in range(STAFF_FAIL_LIMIT_SITE + 20):
        status = _sign_in(client, site, _wrong(site), address=f"10.{i // 250}.{i % 250}.1").status_code
        checked += status == 403
    assert checked == STAFF_FAIL_LIMIT_SITE
    assert _sign_in(client, site, site["staff_code"], address="192.0.2.10").status_code == 429


def test_one_ipv6_network_is_one_address(client, site):
    """A phone on IPv6 holds a whole /64: each of its addresses is not a new guesser."""
    for i in range(STAFF_FAIL_LIMIT_ADDRESS):
        assert _sign_in(client, site, _wrong(site), address=f"2001:db8:1:2::{i + 1:x}").status_code == 403
    assert _sign_in(client, site, _wrong(site), address="2001:db8:1:2:ffff::1").status_code == 429
    assert _sign_in(client, site, site["staff_code"], address="2001:db8:1:3::1").status_code == 200


def test_forwarded_for_counts_only_behind_a_trusted_proxy(app, site):
    client = app.test_client()
    # No trusted proxy: X-Forwarded-For is whatever a guesser writes, so it is ignored.
    for i in range(STAFF_FAIL_LIMIT_ADDRESS):
        _sign_in(client, site, _wrong(site), address="127.0.0.1", **{"X-Forwarded-For": f"192.0.2.{i}"})
    assert _sign_in(client, site, _wrong(site), address="127.0.0.1",
                    **{"X-Forwarded-For": "192.0.2.200"}).status_code == 429


def test_behind_a_trusted_proxy_each_resident_is_their_own_address(make_app, admin):
    client = make_app(NATQ_TRUSTED_PROXIES=1).test_client()
    site = client.post("/api/v1/sites", json={"id": "behind", "name": "后院", "stations": 1}, headers=admin).get_json()
    for _ in range(STAFF_FAIL_LIMIT_ADDRESS):
        _sign_in(client, site, _wrong(site), address="127.0.0.1", **{"X-Forwarded-For": "198.51.100.66"})
    assert _sign_in(client, site, site["staff_code"], address="127.0.0.1",
                    **{"X-Forwarded-For": "198.51.100.66"}).status_code == 429
    assert _sign_in(client, site, site["staff_code"], address="127.0.0.1",
                    **{"X-Forwarded-For": "192.0.2.10"}).status_code == 200


def test_ticket_recoveries_sent_at_once_are_counted_as_they_are_checked(app, site):
    """The same read-then-count was in the ticket recovery: a pair matching nothing is counted in
    the script that checks it, per client address."""
    from natqueue.tickets.recovery import RECOVER_FAIL_LIMIT
    from tests.conftest import person

    def attempt(i):
        stranger = {**person(100 + i), "phone": "13900000000"}
        return app.test_client().post(f"/api/v1/sites/{site['id']}/tickets/recover", json=stranger,
                                      environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(attempt, range(60)))
    assert set(answers) <= {404, 429} and answers.count(404) <= RECOVER_FAIL_LIMIT
    other = app.test_client().post(f"/api/v1/sites/{site['id']}/tickets/recover", json=person(1),
                                   environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert other.status_code == 404  # another address still asks
