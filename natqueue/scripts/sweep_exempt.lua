-- Exempt a roster person from the current round, with a reason (or lift the exemption).
-- KEYS[1] meta  KEYS[2] idem
-- ARGV[1] person id  ARGV[2] JSON {reason, note, by, ts} ('' lifts it)
-- -> {'ok', pid, status, unit JSON} | {'replay', pid}
--- @include "coverage_status"

local replay = idem_replay(KEYS[2])
if replay then return replay end
local n = community_round()
local record = cjson.decode(redis.call('HGET', BASE .. C.rounds, n))
if record.closed_ms then return {'err', 'round_closed', n} end
local pid = ARGV[1]
local person = redis.call('HMGET', BASE .. C.person .. pid, 'pkey', 'u')
if not person[1] then return {'err', 'person_not_found', pid} end
local before = status_of(n, person[1], pid)
if ARGV[2] == '' then redis.call('HDEL', community_key(n, C.round_exempt), pid)
else redis.call('HSET', community_key(n, C.round_exempt), pid, ARGV[2]) end
local after = status_of(n, person[1], pid)
count_move(n, person[2], before, after, now_ms())
remember(pid)
return {'ok', pid, after, redis.call('HGET', BASE .. C.units, person[2])}
