-- Remove a round's personal data once its retention period has passed; counts stay.
-- KEYS[1] idem  KEYS[2] waiting  KEYS[3] events
-- ARGV[1] round  ARGV[2] retention (ms), then the tail
-- -> {'ok', round id, event_id, event_json} | {'replay', round id} | {'err', code, detail}
--- @include "flow"
--- @include "rounds"

local replay = idem_replay(KEYS[1])
if replay then return replay end
local now = now_ms()
local round = ARGV[1]
local raw = redis.call('HGET', BASE .. K.rounds, round)
if not raw then return {'err', 'round_not_found', round} end
local record = cjson.decode(raw)
if not record.ended_ms then return {'err', 'round_current', round} end
local left = record.ended_ms + tonumber(ARGV[2]) - now
if left > 0 then return {'err', 'retention', tostring(left)} end
local live = BASE .. K.live_ids
local purged = 0
for _, tid in ipairs(redis.call('SMEMBERS', round_key(round, K.round_tickets))) do
  local tkey = BASE .. K.ticket .. tid
  local pkey = redis.call('HGET', tkey, 'person')
  if pkey and redis.call('HGET', live, pkey) == tid then redis.call('HDEL', live, pkey) end
  purged = purged + redis.call('HDEL', tkey, 'name', 'phone', 'id_number', 'person', 'address')
  redis.call('HSET', tkey, 'purged_ms', now)
end
redis.call('DEL', round_key(round, K.round_bound))
record.purged_ms = now
redis.call('HSET', BASE .. K.rounds, round, cjson.encode(record))
return done(round, {type = 'round_purged', round = round}, now)
