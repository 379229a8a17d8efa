"""Rounds: every sample belongs to one, and a round's figures outlive its personal data."""

import json

from natqueue.keys import SiteKeys
from natqueue.sampling.records import audit
from natqueue.store.backend import Backend, QueueError, request_key
from natqueue.store.feed import event_of

COUNTS = ("joined", "walk_in", "home", "sampled", "voided", "pooled", "single", "tubes")


def rounds(backend: Backend, site_id: str) -> list[dict]:
    keys = SiteKeys(site_id)
    found = [json.loads(v) for v in backend.redis.hvals(keys.rounds)]
    return sorted(found, key=lambda r: int(r["id"]))


def round_figures(backend: Backend, site_id: str, round_id: str) -> dict:
    """A round's counts: kept after its personal data is purged."""
    keys = SiteKeys(site_id)
    raw = backend.redis.hget(keys.rounds, round_id)
    if raw is None:
        raise QueueError("round_not_found", round_id)
    counts = backend.redis.hgetall(keys.round(round_id, "counts"))
    return {**json.loads(raw), "counts": {name: int(counts.get(name, 0)) for name in COUNTS}}


def new_round(backend: Backend, site_id: str, name: str, request_id: str | None = None,
              community: str | None = None):
    """The site's next round. A site of a community starts rounds with it, all sites at once
    (natqueue.community.rounds passes ``community``): alone, its round would leave the community's."""
    keys = SiteKeys(site_id)
    member_of = backend.redis.hget(keys.meta, "community")
    if member_of is None and not backend.redis.exists(keys.meta):
        raise QueueError("site_not_found", site_id)
    if member_of and member_of != community:
        raise QueueError("in_community", member_of)
    result = backend.run("NEW_ROUND", keys.flow_keys("round", request_key(request_id)), [name], keys)
    event = event_of(result)
    return round_figures(backend, site_id, result[1]), event


def purge_round(backend: Backend, site_id: str, round_id: str, retention_days: int, who: str) -> dict:
    keys = SiteKeys(site_id)
    backend.run("PURGE_ROUND", keys.flow_keys(f"purge:{round_id}", request_key(None)),
                [round_id, retention_days * 86400 * 1000], keys)
    audit(backend, site_id, who, "purge", round=round_id)
    return round_figures(backend, site_id, round_id)
