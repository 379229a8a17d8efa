-- Create a community with its member sites; its round 1 starts now, at each site's current round.
-- KEYS[1] meta  KEYS[2] idem  KEYS[3] site->community  KEYS[4] communities  KEYS[5..] site metas
-- ARGV[1] id  ARGV[2] name  ARGV[3] JSON list of site ids -> {'ok', id} | {'replay', id}
--- @include "community_members"

local replay = idem_replay(KEYS[2])
if replay then return replay end
if redis.call('SISMEMBER', KEYS[4], CID) == 1 then return {'err', 'community_exists', CID} end
local sites = cjson.decode(ARGV[3])
for i, site in ipairs(sites) do
  local refused = check_site(site, KEYS[4 + i])
  if refused then return refused end
end
local now = now_ms()
redis.call('SADD', KEYS[4], CID)
redis.call('HSET', KEYS[1], 'id', CID, 'name', ARGV[2], 'sites', ARGV[3], 'round', 1, 'created_ms', now)
local mapped = {}
for i, site in ipairs(sites) do mapped[site] = join_site(site, KEYS[4 + i], 1) end
redis.call('HSET', BASE .. C.rounds, 1, cjson.encode({round = 1, name = '', started_ms = now, sites = mapped}))
remember(CID)
return {'ok', CID}
