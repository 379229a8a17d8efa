-- Close a station's open tube before it is full.
-- KEYS[1] idem  KEYS[2] waiting  KEYS[3] events
-- ARGV[1] owner, then the tail
-- -> {'ok', code, event_id, event_json} | {'replay', code} | {'err', code, detail}
--- @include "flow"
--- @include "tubes"

local replay = idem_replay(KEYS[1])
if replay then return replay end
local now = now_ms()
local code = redis.call('HGET', BASE .. K.open_tubes, ARGV[1])
if not code then return {'err', 'no_open_tube', ''} end
close_tube(code, now, 'early')
return done(code, {type = 'tube_closed', owner = ARGV[1], tube = code}, now)
