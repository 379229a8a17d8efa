-- A home team marks a home visit done: same tube binding as at a station.
-- KEYS[1] idem  KEYS[2] waiting  KEYS[3] events
-- ARGV[1] ticket key  ARGV[2] team owner ('h<n>'), then the tail
-- -> {'ok', ticket id, event_id, event_json} | {'replay', ticket id} | {'err', code, detail}
--- @include "flow"
--- @include "tubes"

local replay = idem_replay(KEYS[1])
if replay then return replay end
local now = now_ms()
local tkey = ARGV[1]
local t = redis.call('HMGET', tkey, 'id', 'status', 'person', 'number')
if not t[1] then return {'err', 'ticket_not_found', ''} end
if t[2] ~= 'home' then return {'err', 'invalid_transition', t[2]} end
local refused = bind_sample(tkey, t[1], ARGV[2], now)
if refused then return {'err', refused, ''} end
redis.call('HSET', tkey, 'status', 'sampled', 'finished_ms', now, 'sampled_ms', now)
if redis.call('HGET', BASE .. K.live_ids, t[3]) == t[1] then redis.call('HDEL', BASE .. K.live_ids, t[3]) end
redis.call('ZREM', BASE .. K.home, t[1])
local bound = redis.call('HMGET', tkey, 'tube', 'tube_filled')
return done(t[1], {type = 'home_sampled', number = t[4], tube = bound[1], tube_full = bound[2] == '1' or nil}, now)
