"""A community's rounds: numbered from 1, started at every member site at once.

Starting one starts the next round at each site (each its own script, keyed by the request
id, so a retry replays), then maps those site rounds to the community's next number in the
community's own script. A sample taken at a site in between waits, noted, until the mapping
exists (coverage_apply.lua). The home lists carry over: people on them still wait for a visit.
"""

import json

from natqueue.community import coverage
from natqueue.community.keys import CommunityKeys
from natqueue.sampling import rounds as site_rounds
from natqueue.store.backend import Backend, request_key


def start_round(backend: Backend, community_id: str, name: str,
                request_id: str | None = None) -> tuple[dict, list[tuple[str, dict]]]:
    """Returns (the new round's record, the site events to announce as (site, event))."""
    meta = coverage.community_meta(backend, community_id)
    sites = coverage.member_sites(meta)
    coverage.reconcile(backend, community_id, sites)  # the old round's notes, counted in the old round
    rid = request_key(request_id)
    mapping, events = {}, []
    for site_id in sites:
        found, event = site_rounds.new_round(backend, site_id, name, request_id=f"{rid}:{site_id}",
                                             community=community_id)
        mapping[site_id] = found["id"]
        if event is not None:
            events.append((site_id, event))
    keys = CommunityKeys(community_id)
    result = backend.run("COMMUNITY_ROUND", [keys.meta, keys.idem("round", rid)],
                           [name, json.dumps(mapping)], keys)
    n = result[1]
    if result[0] == "ok":
        for site_id in sites:
            coverage.derive_from_site(backend, community_id, site_id, mapping[site_id], samples=False)
        coverage.reconcile(backend, community_id, sites)  # samples taken while the round was being mapped
        coverage.notify(backend, community_id, [{"round": int(n), "compound": None, "building": None,
                                                 "unit": None, "new_round": True}])
    return json.loads(backend.redis.hget(keys.rounds, n)), events
