-- One ticket as its holder sees it, consistent with the site feed position. Read only.
-- KEYS[1] ticket  KEYS[2] waiting  KEYS[3] events  KEYS[4] stations
-- ARGV: the tail only
-- -> {ticket flat, people ahead (lanes.lua lane_ahead) or -1, last event id, pace,
--     ms left for staff to bring a no-show back or -1} | nil
--- @include "lanes"
--- @include "pace"
--- @include "no_shows"

if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local rank = -1
local t = redis.call('HMGET', KEYS[1], 'status', 'lane', 'score', 'finished_ms')
if t[1] == 'waiting' then
  if t[2] then rank = lane_ahead(t[2], t[3])
  else rank = redis.call('ZRANK', KEYS[2], redis.call('HGET', KEYS[1], 'id')) or -1 end
end
-- The pace of the stations that will call this ticket: single-tube ones for a yellow code.
local now = now_ms()
local pooled, single = paces(KEYS[4], now)
local lane_pace = pooled
if t[2] and string.sub(t[2], 1, 1) == 's' then lane_pace = single end
-- A no-show's page tells the resident to show it to staff while they may still bring them back.
local return_left = -1
if t[1] == 'no_show' and t[4] then return_left = math.max(-1, tonumber(t[4]) + return_window_ms() - now) end
return {redis.call('HGETALL', KEYS[1]), rank, last_event_id(KEYS[3]), tostring(lane_pace), return_left}
