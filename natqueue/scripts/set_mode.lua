-- Set a station to pooled or single-tube mode; its open tube (of the old mode) is closed.
-- KEYS[1] idem  KEYS[2] waiting  KEYS[3] events
-- ARGV[1] station  ARGV[2] mode, then the tail
-- -> {'ok', station, event_id, event_json} | {'replay', station} | {'err', code, detail}
--- @include "flow"
--- @include "tubes"
--- @include "pace"

local replay = idem_replay(KEYS[1])
if replay then return replay end
local now = now_ms()
if not redis.call('HGET', BASE .. K.stations, ARGV[1]) then return {'err', 'station_not_found', ''} end
local code = redis.call('HGET', BASE .. K.open_tubes, ARGV[1])
if code then close_tube(code, now, 'mode') end
redis.call('HSET', BASE .. K.modes, ARGV[1], ARGV[2])
-- Which stations serve whom changed: so did each kind's pace, which phones wait by.
local pooled, single = paces(BASE .. K.stations, now)
return done(ARGV[1], {type = 'station_mode', station = tonumber(ARGV[1]), mode = ARGV[2],
  pace = pooled, pace_single = single}, now)
