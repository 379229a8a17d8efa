-- The community's next round, after every member site started its own (natqueue.community.rounds):
-- each site's new round maps to it, and the people per unit carry over from the round before.
-- KEYS[1] meta  KEYS[2] idem
-- ARGV[1] name  ARGV[2] JSON {site: site round} -> {'ok', n} | {'replay', n}
--- @include "community"

local replay = idem_replay(KEYS[2])
if replay then return replay end
local old = community_round()
local n = tostring(tonumber(old) + 1)
local now = now_ms()
local record = cjson.decode(redis.call('HGET', BASE .. C.rounds, old))
record.ended_ms = now
redis.call('HSET', BASE .. C.rounds, old, cjson.encode(record))
local sites = cjson.decode(ARGV[2])
for site, sround in pairs(sites) do redis.call('HSET', BASE .. C.round_map, site .. ':' .. sround, n) end
local counts = redis.call('HGETALL', community_key(old, C.round_counts))
for i = 1, #counts, 2 do
  if string.sub(counts[i], -2) == ':n' then redis.call('HSET', community_key(n, C.round_counts), counts[i], counts[i + 1]) end
end
redis.call('HSET', BASE .. C.rounds, n, cjson.encode({round = tonumber(n), name = ARGV[1], started_ms = now,
  sites = sites}))
redis.call('HSET', KEYS[1], 'round', n)
remember(n)
return {'ok', n}
