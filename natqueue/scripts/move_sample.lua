-- Move a sampled person from one open tube to another (a scan into the wrong tube).
-- KEYS[1] idem  KEYS[2] waiting  KEYS[3] events
-- ARGV[1] ticket key  ARGV[2] target tube code, then the tail
-- -> {'ok', ticket id, event_id, event_json} | {'replay', ticket id} | {'err', code, detail}
--- @include "flow"
--- @include "tubes"

local replay = idem_replay(KEYS[1])
if replay then return replay end
local now = now_ms()
local tkey, to = ARGV[1], ARGV[2]
local t = redis.call('HMGET', tkey, 'id', 'status', 'tube', 'single', 'round', 'sample_mode')
if not t[1] then return {'err', 'ticket_not_found', ''} end
local from = t[3]
if t[2] ~= 'sampled' or not from then return {'err', 'not_in_tube', ''} end
if from == to then return {'err', 'same_tube', to} end
for _, code in ipairs({from, to}) do
  if redis.call('HGET', BASE .. K.tube .. code, 'status') ~= 'open' then return {'err', 'tube_not_open', code} end
end
if t[4] and redis.call('HGET', BASE .. K.tube .. to, 'mode') ~= 'single' then
  return {'err', 'single_tube_required', ''}
end
redis.call('ZREM', BASE .. K.tube_members .. from, t[1])
redis.call('HINCRBY', BASE .. K.tube .. from, 'count', -1)
redis.call('HDEL', tkey, 'tube_filled')
local _, filled = tube_add(to, tkey, t[1], now)
if filled then redis.call('HSET', tkey, 'tube_filled', 1) end
redis.call('HSET', tkey, 'moved_from', from, 'moved_ms', now)
local counts = round_key(t[5] or '', K.round_counts)
redis.call('HINCRBY', counts, t[6], -1)
redis.call('HINCRBY', counts, redis.call('HGET', tkey, 'sample_mode'), 1)
return done(t[1], {type = 'tube_moved', tube = to, from = from, tube_full = filled or nil}, now)
