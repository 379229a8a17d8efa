-- Bring the stored alerts in line with the conditions true now. A raised alert
-- stays until acknowledged, even after its condition clears; an acknowledged
-- one that clears is dropped, and is raised afresh if its condition returns, or
-- if it grows worse by a step (level, for waits) after it was acknowledged.
-- KEYS[1] alerts hash (id -> json)
-- ARGV[1..] id, message-json pairs of the conditions true now, then the tail
-- -> the alerts hash, flat

local now = now_ms()
local active = {}
for i = 1, ARGC, 2 do active[ARGV[i]] = ARGV[i + 1] end
for id, data in pairs(active) do
  local stored = redis.call('HGET', KEYS[1], id)
  if not stored then
    local alert = cjson.decode(data)
    alert.raised_ms = now
    alert.active = true
    redis.call('HSET', KEYS[1], id, cjson.encode(alert))
  else
    local alert = cjson.decode(stored)
    local fresh = cjson.decode(data)
    alert.detail = fresh.detail
    if not alert.active then alert.active = true; alert.cleared_ms = nil end
    -- Acknowledged, then worse by another step (a wait 15 minutes longer): raised again.
    local level = tonumber(fresh.level or 0)
    if alert.acked_ms and level > tonumber(alert.level or 0) then
      alert.acked_ms = nil
      alert.acked_by = nil
      alert.raised_ms = now
    end
    if not alert.acked_ms then alert.level = fresh.level end
    redis.call('HSET', KEYS[1], id, cjson.encode(alert))
  end
end
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if not active[all[i]] then
    local alert = cjson.decode(all[i + 1])
    if alert.acked_ms then
      redis.call('HDEL', KEYS[1], all[i])
    elseif alert.active then
      alert.active = false
      alert.cleared_ms = now
      redis.call('HSET', KEYS[1], all[i], cjson.encode(alert))
    end
  end
end
return redis.call('HGETALL', KEYS[1])
