-- Open, pause or close a station, with the reason for a pause (shown on the dashboard
-- and the calling screen). Any change without a reason clears the stored one, so a
-- station paused for a meal, opened, then paused again does not show "meal" again.
-- KEYS[1] stations  KEYS[2] events  KEYS[3] waiting  KEYS[4] station reasons
-- ARGV[1] station  ARGV[2] status  ARGV[3] reason ('' = none; kept only with 'paused'), then the tail
-- -> {'ok', event_id, event_json} | {'err', code, detail}
--- @include "pace"

if not redis.call('HGET', KEYS[1], ARGV[1]) then return {'err', 'station_not_found', ''} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[2] == 'paused' and ARGV[3] ~= '' then
  redis.call('HSET', KEYS[4], ARGV[1], ARGV[3])
else
  redis.call('HDEL', KEYS[4], ARGV[1])
end
local now = now_ms()
local pooled, single = paces(KEYS[1], now)
local event = {type = 'station', station = tonumber(ARGV[1]), status = ARGV[2],
  waiting = redis.call('ZCARD', KEYS[3]), pace = pooled, pace_single = single, ts = now}
if ARGV[3] ~= '' and ARGV[2] == 'paused' then event.reason = ARGV[3] end
local event_id, event_json = emit(KEYS[2], event)
return {'ok', event_id, event_json}
