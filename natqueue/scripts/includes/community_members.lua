-- Membership scripts get KEYS[3] the site -> community hash, KEYS[4] the set of communities,
-- and KEYS[5..] the meta keys of the sites they name, in the order of the sites' JSON list.
-- These are the only community scripts that reach into sites' slots: organizer actions, rare,
-- on one Redis (as the tube-code registry already is).
--- @include "community"

local CID = ARGV[1]

-- A site joins: claimed for this community, told where its scripts note coverage (its meta's
-- 'community'), and its current round mapped to the community's round n. Notes of its rounds
-- before it joined are not this community's (see coverage_apply.lua).
local function join_site(site, mkey, n)
  redis.call('HSET', KEYS[3], site, CID)
  redis.call('HSET', mkey, 'community', CID)
  local sround = redis.call('HGET', mkey, 'round') or '1'
  redis.call('HSET', BASE .. C.round_map, site .. ':' .. sround, n, site .. ':first', sround)
  return sround
end

local function leave_site(site, mkey)
  if redis.call('HGET', KEYS[3], site) == CID then redis.call('HDEL', KEYS[3], site) end
  if redis.call('HGET', mkey, 'community') == CID then redis.call('HDEL', mkey, 'community') end
end

-- nil, or the error of a site that is missing or already another community's.
local function check_site(site, mkey)
  if redis.call('EXISTS', mkey) == 0 then return {'err', 'site_not_found', site} end
  local owner = redis.call('HGET', KEYS[3], site)
  if owner and owner ~= CID then return {'err', 'site_in_community', site .. '@' .. owner} end
  return nil
end
