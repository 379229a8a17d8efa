-- Acknowledge an alert: a cleared one goes away; an active one stays, marked seen.
-- KEYS[1] alerts hash
-- ARGV[1] alert id  ARGV[2] actor, then the tail
-- -> 1 | 0 (no such alert)

local stored = redis.call('HGET', KEYS[1], ARGV[1])
if not stored then return 0 end
local alert = cjson.decode(stored)
if not alert.active then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return 1
end
alert.acked_ms = now_ms()
alert.acked_by = ARGV[2]
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(alert))
return 1
