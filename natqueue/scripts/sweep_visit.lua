-- A sweep team's knock at a household's door, kept with the round.
-- KEYS[1] meta  KEYS[2] idem
-- ARGV[1] household id  ARGV[2] JSON {outcome, note, ts, team}
-- -> {'ok', hid, round, unit JSON} | {'replay', hid}
--- @include "community"

local replay = idem_replay(KEYS[2])
if replay then return replay end
local n = community_round()
local record = cjson.decode(redis.call('HGET', BASE .. C.rounds, n))
if record.closed_ms then return {'err', 'round_closed', n} end
local u = redis.call('HGET', BASE .. C.household .. ARGV[1], 'u')
if not u then return {'err', 'household_not_found', ARGV[1]} end
redis.call('RPUSH', community_key(n, C.round_visits .. ARGV[1]), ARGV[2])
remember(ARGV[1])
return {'ok', ARGV[1], n, redis.call('HGET', BASE .. C.units, u)}
