"""Communities and their member sites, and the sweep teams' code.

A site belongs to at most one community: its samples must count in one roster, and its own
scripts note coverage for the community its meta names. A resident of the community may be
sampled at any member site. Joining a site late counts what it already did this round.
"""

import json

from natqueue.community import coverage
from natqueue.community.keys import COMMUNITIES_KEY, SITE_COMMUNITY_KEY, CommunityKeys
from natqueue.keys import SiteKeys
from natqueue.sites.staff_code import check_code, code_hash, new_staff_code
from natqueue.store.backend import Backend, request_key

MAX_SITES = 50


def _membership_keys(keys: CommunityKeys, request_id: str, sites: list[str]) -> list[str]:
    return [keys.meta, keys.idem("members", request_id), SITE_COMMUNITY_KEY, COMMUNITIES_KEY,
            *(SiteKeys(s).meta for s in sites)]


def _count_joined(backend: Backend, community_id: str, sites: list[str]) -> None:
    """What joined sites already did in their current round, and their home lists, counted now."""
    keys = CommunityKeys(community_id)
    n = backend.redis.hget(keys.meta, "round")
    record = json.loads(backend.redis.hget(keys.rounds, n) or "{}")
    for site_id in sites:
        site_round = record.get("sites", {}).get(site_id)
        if site_round:
            coverage.derive_from_site(backend, community_id, site_id, site_round)


def create_community(backend: Backend, community_id: str, name: str, sites: list[str],
                     request_id: str | None = None) -> dict:
    keys = CommunityKeys(community_id)
    rid = request_key(request_id)
    result = backend.run("COMMUNITY_CREATE", _membership_keys(keys, rid, sites),
                           [community_id, name, json.dumps(sites)], keys)
    if result[0] == "ok":
        _count_joined(backend, community_id, sites)
    return get_community(backend, community_id)


def patch_community(backend: Backend, community_id: str, name: str | None = None,
                    sites: list[str] | None = None, request_id: str | None = None) -> dict:
    keys = CommunityKeys(community_id)
    meta = coverage.community_meta(backend, community_id)
    old = coverage.member_sites(meta)
    rid = request_key(request_id)
    keyed = list(dict.fromkeys([*old, *(sites or [])]))
    result = backend.run("COMMUNITY_PATCH", _membership_keys(keys, rid, keyed),
                           [community_id, name or "", "" if sites is None else json.dumps(sites),
                            meta.get("sites", "[]"), json.dumps(keyed)], keys)
    if result[0] == "ok" and sites is not None:
        _count_joined(backend, community_id, [s for s in sites if s not in old])
    return get_community(backend, community_id)


def get_community(backend: Backend, community_id: str) -> dict:
    meta = coverage.community_meta(backend, community_id)
    return {"id": meta["id"], "name": meta.get("name", ""), "sites": coverage.member_sites(meta),
            "round": int(meta.get("round") or 1), "created_ms": int(meta.get("created_ms") or 0),
            "people": backend.redis.hlen(CommunityKeys(community_id).person_keys),
            "sweep_code_set": bool(meta.get("sweep_hash"))}


def list_communities(backend: Backend) -> list[dict]:
    return [get_community(backend, c) for c in sorted(backend.redis.smembers(COMMUNITIES_KEY))]


def rounds(backend: Backend, community_id: str) -> list[dict]:
    coverage.community_meta(backend, community_id)
    found = [json.loads(v) for v in backend.redis.hvals(CommunityKeys(community_id).rounds)]
    return sorted(found, key=lambda r: r["round"])


# --- the sweep teams' code ------------------------------------------------------------------


def _hash(community_id: str, code: str) -> str:
    return code_hash(f"c:{community_id}", code)


def rotate_sweep_code(backend: Backend, community_id: str) -> str:
    """A new code, shown once; every sweep token signed for the old one stops working."""
    keys = CommunityKeys(community_id)
    coverage.community_meta(backend, community_id)
    code = new_staff_code()
    pipe = backend.redis.pipeline(transaction=True)
    pipe.hset(keys.meta, "sweep_hash", _hash(community_id, code))
    pipe.hincrby(keys.meta, "sweep_version", 1)
    pipe.execute()
    return code


def check_sweep_code(backend: Backend, community_id: str, code: str, client: str = "") -> int:
    """The community's sweep version if ``code`` is right; wrong codes are counted and limited
    per client address and per community, in the one script staff codes go through."""
    keys = CommunityKeys(community_id)
    return check_code(backend, keys, [keys.meta, keys.sweep_fails, keys.sweep_fails_from(client)],
                      _hash(community_id, str(code)), ("sweep_hash", "sweep_version"), "community_not_found")


def sweep_version(backend: Backend, community_id: str) -> int | None:
    value = backend.redis.hget(CommunityKeys(community_id).meta, "sweep_version")
    return None if value is None else int(value)
