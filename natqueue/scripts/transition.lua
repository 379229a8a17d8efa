-- Move one ticket on: recall, check_in, no_show, sampled (staff) or cancel (holder or staff;
-- staff also cancel a home visit, taking it off the home-sampling list).
-- check_in records the moment a called resident reached the table (code scanned or
-- number confirmed); it leaves the status at 'called'. sampled binds the sample to the
-- station's open tube first (tubes.lua bind_sample) and refuses, changing nothing,
-- a single-tube resident at a pooled tube or a person already sampled this round.
-- KEYS[1] ticket  KEYS[2] waiting  KEYS[3] live_ids  KEYS[4] events  KEYS[5] idem
-- KEYS[6] served  KEYS[7] stations  KEYS[8] calling
-- ARGV[1] op  ARGV[2] holder token ('' when staff acts)
-- ARGV[3] for sampled: the tube the station had open when the medic marked it ('-': none;
--   '' to bind to whatever is open now), then the tail
-- -> {'ok', ticket_id, event_id, event_json[, coverage note]} | {'replay', ticket_id} | {'err', code, detail}
--- @include "lanes"
--- @include "tubes"
--- @include "pace"
--- @include "figures"
--- @include "no_shows"

local replay = idem_replay(KEYS[5])
if replay then return replay end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'err', 'ticket_not_found', ''} end
local t = redis.call('HMGET', KEYS[1], 'id', 'token', 'status', 'station', 'number', 'score', 'id_number')
local tid, token, status, station, number, score, id_number = t[1], t[2], t[3], t[4], t[5], t[6], t[7]
if ARGV[2] ~= '' and ARGV[2] ~= token then return {'err', 'forbidden', ''} end
local allowed = {recall = {called = true}, check_in = {called = true}, no_show = {called = true},
  sampled = {called = true}, cancel = {waiting = true, called = true, home = true}}
local op = ARGV[1]
if not allowed[op] or not allowed[op][status] then return {'err', 'invalid_transition', status} end
local now = now_ms()
local event = {number = number, ts = now}
if station then event.station = tonumber(station) end
if op == 'recall' then
  redis.call('HINCRBY', KEYS[1], 'recalls', 1)
  redis.call('HSET', KEYS[1], 'recalled_ms', now)
  redis.call('HSET', KEYS[8], station, number)
  event.type = 'recalled'
elseif op == 'check_in' then
  -- The first check-in counts: a second scan of the same code must not move the moment.
  stats_on_check_in(KEYS[1], station, now)
  redis.call('HSETNX', KEYS[1], 'checked_in_ms', now)
  event.type = 'checked_in'
else
  if op == 'sampled' then
    -- A mark sent late (kept by a console through a network cut) names the tube it was
    -- made with: bound to another one, the lab's record would point at the wrong people.
    if ARGV[3] ~= '' and (redis.call('HGET', BASE .. K.open_tubes, station) or '-') ~= ARGV[3] then
      return {'err', 'tube_changed', ''}
    end
    -- The tube binding is checked first: a refused sample changes nothing.
    local refused = bind_sample(KEYS[1], tid, station, now)
    if refused then return {'err', refused, ''} end
    local bound = redis.call('HMGET', KEYS[1], 'tube', 'tube_filled')
    event.tube, event.tube_full = bound[1], bound[2] == '1' or nil
  end
  local final = {no_show = 'no_show', sampled = 'sampled', cancel = 'cancelled'}
  redis.call('HSET', KEYS[1], 'status', final[op], 'finished_ms', now)
  local pkey = redis.call('HGET', KEYS[1], 'person') or id_number
  if pkey and redis.call('HGET', KEYS[3], pkey) == tid then redis.call('HDEL', KEYS[3], pkey) end
  if status == 'waiting' then
    redis.call('ZREM', KEYS[2], tid)
    event.lane = leave_lane(KEYS[1], tid)
    event.left = tonumber(score)
  elseif status == 'home' then
    redis.call('ZREM', BASE .. K.home, tid)  -- taken off the home-sampling list (staff only: no token)
    -- Off the list in the round now running (a list carried into a new round counts there).
    coverage_note('c', redis.call('HGET', BASE .. K.meta, 'round') or '1', tid, pkey, now)
  else
    redis.call('ZREM', BASE .. K.serving .. station, tid)
  end
  if op == 'sampled' then
    redis.call('HSET', KEYS[1], 'sampled_ms', now)
    stats_on_sampled(KEYS[1], station, now)
    local per_station = BASE .. K.served_at .. station
    redis.call('ZADD', KEYS[6], now, tid)
    redis.call('ZADD', per_station, now, tid)
    redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now - HISTORY_MS)
    redis.call('ZREMRANGEBYSCORE', per_station, '-inf', now - HISTORY_MS)
  end
  -- A no-show is listed on the consoles while staff may still bring the resident back.
  if op == 'no_show' then note_no_show(tid, now) end
  event.type = final[op]
end
event.waiting = redis.call('ZCARD', KEYS[2])
event.pace, event.pace_single = paces(KEYS[7], now)
local event_id, event_json = emit(KEYS[4], event)
idem_claim(KEYS[5], tid)
return {'ok', tid, event_id, event_json, COVERAGE_NOTE}
