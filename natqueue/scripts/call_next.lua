-- Call the next waiting ticket to a station: from the lane the site's priority ratio
-- picks, single-tube residents only to single-tube stations, and the rest of a
-- household along with it.
-- KEYS[1] stations  KEYS[2] waiting  KEYS[3] events  KEYS[4] idem  KEYS[5] serving(n)  KEYS[6] calling
-- ARGV[1] station  ARGV[2] ticket key prefix, then the tail
-- -> {'ok', ticket_id, event_id, event_json, household ids called with it}
--    | {'empty'} | {'replay', ticket_id or ''} | {'err', code, detail}
--- @include "lanes"
--- @include "pace"
--- @include "figures"

local replay = idem_replay(KEYS[4])
if replay then return replay end
local status = redis.call('HGET', KEYS[1], ARGV[1])
if not status then return {'err', 'station_not_found', ''} end
if status ~= 'open' then return {'err', 'station_not_open', status} end
local station = ARGV[1]
local group = (redis.call('HGET', BASE .. K.modes, station) == 'single') and 's' or ''
local lane = choose_lane(group)
local popped = {}
if lane then
  popped = redis.call('ZRANGE', lane, 0, 0)
elseif group == '' then
  -- A ticket queued before lanes existed waits in `waiting` alone.
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0)
  if #oldest > 0 and not redis.call('HGET', ARGV[2] .. oldest[1], 'lane') then popped = oldest end
end
if #popped == 0 then
  idem_claim(KEYS[4], '')
  return {'empty'}
end
local first = popped[1]
local now = now_ms()
local called = {first}
local household = redis.call('HGET', ARGV[2] .. first, 'household')
if household then
  for _, m in ipairs(redis.call('LRANGE', BASE .. K.household .. household, 0, -1)) do
    local mt = redis.call('HMGET', ARGV[2] .. m, 'status', 'lane')
    if m ~= first and mt[1] == 'waiting' and lane_group(mt[2] or 'r') == group then called[#called + 1] = m end
  end
end
local event = {type = 'called', station = tonumber(station), ts = now}
local also = {}
for i, tid in ipairs(called) do
  local tkey = ARGV[2] .. tid
  local score = redis.call('ZSCORE', KEYS[2], tid)
  redis.call('ZREM', KEYS[2], tid)
  local left_lane = leave_lane(tkey, tid)
  redis.call('HSET', tkey, 'status', 'called', 'station', station, 'called_ms', now)
  stats_on_call(tkey, now)
  local number = redis.call('HGET', tkey, 'number')
  redis.call('ZADD', KEYS[5], now, tid)
  if i == 1 then
    redis.call('HSET', KEYS[6], station, number)
    event.number, event.left, event.lane = number, tonumber(score), left_lane
  else
    also[#also + 1] = {tonumber(score), left_lane}
  end
end
if #also > 0 then event.also = also end
event.waiting = redis.call('ZCARD', KEYS[2])
event.pace, event.pace_single = paces(KEYS[1], now)
local event_id, event_json = emit(KEYS[3], event)
idem_claim(KEYS[4], first)
table.remove(called, 1)
return {'ok', first, event_id, event_json, called}
