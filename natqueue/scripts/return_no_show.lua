-- Bring a no-show back: a resident passed at a station who turns up within the site's
-- return window (a slow walker, an elderly resident) is called again at that station and
-- becomes its current person, instead of taking a new number at the back of the line.
-- Their wait was counted at their first call (figures.lua, wait_counted): it is not
-- counted again, and the called moment restarts now, so their walk-up time is their own.
-- Refused, changing nothing: a ticket that is not a no-show (invalid_transition), a window
-- that has passed (return_window_passed), a person who has taken a new number meanwhile
-- (already_queued, with that number).
-- KEYS[1] ticket  KEYS[2] live_ids  KEYS[3] events  KEYS[4] idem  KEYS[5] stations
-- KEYS[6] calling  KEYS[7] waiting
-- ARGV: the tail only
-- -> {'ok', ticket_id, event_id, event_json} | {'replay', ticket_id} | {'err', code, detail}
--- @include "no_shows"
--- @include "pace"

local replay = idem_replay(KEYS[4])
if replay then return replay end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'err', 'ticket_not_found', ''} end
local t = redis.call('HMGET', KEYS[1], 'id', 'status', 'station', 'number', 'finished_ms', 'person', 'id_number')
local tid, status, station, number, finished = t[1], t[2], t[3], t[4], tonumber(t[5] or '')
if status ~= 'no_show' or not station then return {'err', 'invalid_transition', status} end
local now = now_ms()
if not finished or now - finished > return_window_ms() then return {'err', 'return_window_passed', ''} end
local pkey = t[6] or t[7]
local other = pkey and redis.call('HGET', KEYS[2], pkey)
if other and other ~= tid then
  return {'err', 'already_queued', (redis.call('HGET', BASE .. K.ticket .. other, 'number') or '')}
end
redis.call('HSET', KEYS[1], 'status', 'called', 'called_ms', now, 'returned_ms', now)
redis.call('HDEL', KEYS[1], 'finished_ms')
if pkey then redis.call('HSET', KEYS[2], pkey, tid) end
redis.call('ZADD', BASE .. K.serving .. station, now, tid)
redis.call('ZREM', BASE .. K.no_shows, tid)
redis.call('HSET', KEYS[6], station, number)
-- A call like any other for the boards and phones; it takes nobody off the waiting line.
local event = {type = 'called', returned = true, number = number, station = tonumber(station), ts = now}
event.waiting = redis.call('ZCARD', KEYS[7])
event.pace, event.pace_single = paces(KEYS[5], now)
local event_id, event_json = emit(KEYS[3], event)
idem_claim(KEYS[4], tid)
return {'ok', tid, event_id, event_json}
