-- Start a new round; the one before it ends now, and so do its open tubes.
-- KEYS[1] idem  KEYS[2] waiting  KEYS[3] events
-- ARGV[1] name, then the tail
-- -> {'ok', round id, event_id, event_json} | {'replay', round id}
--- @include "flow"
--- @include "tubes"

local replay = idem_replay(KEYS[1])
if replay then return replay end
local now = now_ms()
local old = current_round(now)
for _, code in ipairs(redis.call('HVALS', BASE .. K.open_tubes)) do close_tube(code, now, 'round') end
local rounds = BASE .. K.rounds
local record = cjson.decode(redis.call('HGET', rounds, old))
record.ended_ms = now
redis.call('HSET', rounds, old, cjson.encode(record))
local id = tostring(redis.call('HLEN', rounds) + 1)
redis.call('HSET', rounds, id, cjson.encode({id = id, name = ARGV[1], started_ms = now}))
redis.call('HSET', BASE .. K.meta, 'round', id)
return done(id, {type = 'round', round = id}, now)
