-- Staff set or clear a ticket's priority and single-tube marks; a waiting ticket
-- changes lane at once, keeping its place by join order. A resident marked for a
-- single tube while called to a pooled station (the cadre sees a yellow code at the
-- table) goes back to wait for a single-tube station, at that same place.
-- KEYS[1] idem  KEYS[2] waiting  KEYS[3] events
-- ARGV[1] ticket key  ARGV[2] priority reason ('-' keep, '' clear)  ARGV[3] single reason (same),
--   then the tail
-- -> {'ok', ticket id, event_id, event_json} | {'replay', ticket id} | {'err', code, detail}
--- @include "flow"
--- @include "lanes"

local replay = idem_replay(KEYS[1])
if replay then return replay end
local now = now_ms()
local tkey = ARGV[1]
local t = redis.call('HMGET', tkey, 'id', 'status', 'lane', 'score', 'priority', 'single', 'number', 'station')
if not t[1] then return {'err', 'ticket_not_found', ''} end
local values = {priority = t[5], single = t[6]}
for i, f in ipairs({'priority', 'single'}) do
  local v = ARGV[i + 1]
  if v ~= '-' then
    if v == '' then redis.call('HDEL', tkey, f); values[f] = nil
    else redis.call('HSET', tkey, f, v); values[f] = v end
  end
end
if ARGV[2] ~= '-' then
  redis.call('ZREM', BASE .. K.declared, t[1])
  redis.call('HSET', tkey, 'priority_checked_ms', now)
end
local event = {type = 'flags', number = t[7]}
if t[2] == 'called' and values.single and redis.call('HGET', BASE .. K.modes, t[8]) ~= 'single' then
  local lane = 's' .. (values.priority and 'p' or 'r')
  redis.call('ZREM', BASE .. K.serving .. t[8], t[1])
  if redis.call('HGET', BASE .. K.calling, t[8]) == t[7] then redis.call('HDEL', BASE .. K.calling, t[8]) end
  redis.call('HDEL', tkey, 'station', 'called_ms', 'checked_in_ms', 'recalls', 'recalled_ms')
  redis.call('HSET', tkey, 'status', 'waiting', 'lane', lane)
  redis.call('ZADD', KEYS[2], t[4], t[1])
  redis.call('ZADD', lane_key(lane), t[4], t[1])
  event.entered, event.entered_lane, event.station = tonumber(t[4]), lane, tonumber(t[8])
  event.waiting = redis.call('ZCARD', KEYS[2])
elseif t[2] == 'waiting' then
  local lane = (values.single and 's' or '') .. (values.priority and 'p' or 'r')
  local old = t[3] or 'r'
  if lane ~= old then
    redis.call('ZREM', lane_key(old), t[1])
    redis.call('ZADD', lane_key(lane), t[4], t[1])
    redis.call('HSET', tkey, 'lane', lane)
    event.left, event.lane, event.entered, event.entered_lane = tonumber(t[4]), old, tonumber(t[4]), lane
  end
  event.waiting = redis.call('ZCARD', KEYS[2])
end
return done(t[1], event, now)
