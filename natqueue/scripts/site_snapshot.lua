-- One consistent picture of a site: what a board or phone starts from. Read only.
-- KEYS[1] meta  KEYS[2] stations  KEYS[3] waiting  KEYS[4] events  KEYS[5] calling
-- ARGV: the tail only
-- -> {meta flat, stations flat, waiting, pace, last event id, calling flat} | nil
--- @include "pace"

if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return {redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]), redis.call('ZCARD', KEYS[3]),
  tostring(pace(KEYS[2], now_ms())), last_event_id(KEYS[4]), redis.call('HGETALL', KEYS[5])}
