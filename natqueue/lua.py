"""The Lua scripts behind every queue state change.

Each change runs as one script: atomic across any number of app processes and
one round trip. Every state-changing script first claims an idempotency key
(``SET NX`` inside the script), so a request retried by a phone, a station or
redis-py's own retries replays its first result instead of acting twice.

Scripts answer with a small table whose first element says what happened:
``{'ok', ...}``, ``{'replay', ticket_id}`` or ``{'err', code, detail}``.
Times come from Redis ``TIME``: one clock for every app host.
"""

from natqueue.stats_lua import STATS_HELPERS

# Shared helpers, prepended to every script. Every script's ARGV ends with the
# same tail (see ``natqueue.scripts.Scripts.tail``): idem ttl (s), stream maxlen,
# sampling history kept (ms), station key prefix, pace window (ms), default
# seconds per person, min samples for a measured pace, and a fixed clock in ms
# ('' = Redis TIME; tests pass one so no test sleeps).
_COMMON = r"""
local N = #ARGV
local IDEM_TTL, MAXLEN, HISTORY_MS = ARGV[N - 7], ARGV[N - 6], tonumber(ARGV[N - 5])
local STATION_PREFIX, WINDOW_MS = ARGV[N - 4], tonumber(ARGV[N - 3])
local DEFAULT_S, MIN_SAMPLES, FIXED_NOW = tonumber(ARGV[N - 2]), tonumber(ARGV[N - 1]), ARGV[N]

local function now_ms()
  if FIXED_NOW ~= '' then return tonumber(FIXED_NOW) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- A001..A999, B001.. : a letter per 999 tickets, so numbers stay short to read aloud.
local function ticket_number(seq)
  local block = math.floor((seq - 1) / 999) % 26
  return string.char(65 + block) .. string.format('%03d', (seq - 1) % 999 + 1)
end

-- Seconds per person for the whole site: the sum of each open station's
-- measured rate over the window (the default rate until it has enough samples).
-- Returns -1 when no station is open.
local function pace(stations_key, now)
  local flat = redis.call('HGETALL', stations_key)
  local rate = 0
  for i = 1, #flat, 2 do
    if flat[i + 1] == 'open' then
      local key = STATION_PREFIX .. 'served:' .. flat[i]
      local n = redis.call('ZCOUNT', key, now - WINDOW_MS, now)
      if n >= MIN_SAMPLES then
        local first = redis.call('ZRANGEBYSCORE', key, now - WINDOW_MS, now, 'WITHSCORES', 'LIMIT', 0, 1)
        local span = math.max(now - tonumber(first[2]), 60000)
        rate = rate + n * 1000 / span
      else
        rate = rate + 1 / DEFAULT_S
      end
    end
  end
  if rate == 0 then return -1 end
  return 1 / rate
end

-- Append a site event; returns its id and its JSON, which the app broadcasts as is.
local function emit(events_key, event)
  local json = cjson.encode(event)
  return redis.call('XADD', events_key, 'MAXLEN', '~', MAXLEN, '*', 'e', json), json
end

local function last_event_id(events_key)
  local last = redis.call('XREVRANGE', events_key, '+', '-', 'COUNT', 1)
  if #last > 0 then return last[1][1] end
  return '0-0'
end
""" + STATS_HELPERS

# Join the queue.
# KEYS[1] meta  KEYS[2] stations  KEYS[3] waiting  KEYS[4] live_ids  KEYS[5] seq
# KEYS[6] ticket (new)  KEYS[7] events  KEYS[8] idem
# ARGV[1] ticket id  ARGV[2] token  ARGV[3] name  ARGV[4] phone  ARGV[5] id number
# ARGV[6] ticket key prefix (to name the holder of an ID number already queued), then the tail
# -> {'ok', ticket_id, event_id, event_json, ticket flat, rank, last event id, pace}
#    | {'replay', ticket_id} | {'err', code, detail}
JOIN = _COMMON + r"""
local prior = redis.call('GET', KEYS[8])
if prior then return {'replay', prior} end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'err', 'site_not_found', ''} end
local any_open = false
for _, s in ipairs(redis.call('HVALS', KEYS[2])) do
  if s ~= 'closed' then any_open = true end
end
if not any_open then return {'err', 'site_closed', ''} end
local holder = redis.call('HGET', KEYS[4], ARGV[5])
if holder then
  return {'err', 'already_queued', redis.call('HGET', ARGV[6] .. holder, 'number') or ''}
end
local seq = redis.call('INCR', KEYS[5])
local number = ticket_number(seq)
local now = now_ms()
redis.call('HSET', KEYS[6], 'id', ARGV[1], 'token', ARGV[2], 'number', number, 'seq', seq,
  'score', seq, 'status', 'waiting', 'name', ARGV[3], 'phone', ARGV[4], 'id_number', ARGV[5],
  'created_ms', now)
redis.call('ZADD', KEYS[3], seq, ARGV[1])
redis.call('HSET', KEYS[4], ARGV[5], ARGV[1])
local site_pace = pace(KEYS[2], now)
local event_id, event_json = emit(KEYS[7], {type = 'joined', number = number, entered = seq,
  waiting = redis.call('ZCARD', KEYS[3]), pace = site_pace, ts = now})
redis.call('SET', KEYS[8], ARGV[1], 'EX', IDEM_TTL)
-- The new ticket as TICKET_SNAPSHOT shows it, so a join needs no second round trip.
return {'ok', ARGV[1], event_id, event_json,
  redis.call('HGETALL', KEYS[6]), redis.call('ZRANK', KEYS[3], ARGV[1]), event_id, tostring(site_pace)}
"""

# Call the next waiting ticket to a station.
# KEYS[1] stations  KEYS[2] waiting  KEYS[3] events  KEYS[4] idem  KEYS[5] serving(n)  KEYS[6] calling
# ARGV[1] station  ARGV[2] ticket key prefix, then the tail
# -> {'ok', ticket_id, event_id, event_json} | {'empty'} | {'replay', ticket_id or ''} | {'err', code, detail}
CALL_NEXT = _COMMON + r"""
local prior = redis.call('GET', KEYS[4])
if prior then return {'replay', prior} end
local status = redis.call('HGET', KEYS[1], ARGV[1])
if not status then return {'err', 'station_not_found', ''} end
if status ~= 'open' then return {'err', 'station_not_open', status} end
local popped = redis.call('ZPOPMIN', KEYS[2], 1)
if #popped == 0 then
  redis.call('SET', KEYS[4], '', 'EX', IDEM_TTL)
  return {'empty'}
end
local tid, score = popped[1], popped[2]
local tkey = ARGV[2] .. tid
local now = now_ms()
redis.call('HSET', tkey, 'status', 'called', 'station', ARGV[1], 'called_ms', now)
stats_on_call(tkey, now)
local number = redis.call('HGET', tkey, 'number')
redis.call('ZADD', KEYS[5], now, tid)
redis.call('HSET', KEYS[6], ARGV[1], number)
local event_id, event_json = emit(KEYS[3], {type = 'called', number = number, station = tonumber(ARGV[1]),
  left = tonumber(score), waiting = redis.call('ZCARD', KEYS[2]), pace = pace(KEYS[1], now), ts = now})
redis.call('SET', KEYS[4], tid, 'EX', IDEM_TTL)
return {'ok', tid, event_id, event_json}
"""

# Move one ticket on: recall, check_in, no_show, sampled (staff) or cancel (holder or staff).
# check_in records the moment a called resident reached the table (code scanned or
# number confirmed); it leaves the status at 'called'.
# KEYS[1] ticket  KEYS[2] waiting  KEYS[3] live_ids  KEYS[4] events  KEYS[5] idem
# KEYS[6] served  KEYS[7] stations  KEYS[8] calling
# ARGV[1] op  ARGV[2] holder token ('' when staff acts), then the tail
# -> {'ok', ticket_id, event_id, event_json} | {'replay', ticket_id} | {'err', code, detail}
TRANSITION = _COMMON + r"""
local prior = redis.call('GET', KEYS[5])
if prior then return {'replay', prior} end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'err', 'ticket_not_found', ''} end
local t = redis.call('HMGET', KEYS[1], 'id', 'token', 'status', 'station', 'number', 'score', 'id_number')
local tid, token, status, station, number, score, id_number = t[1], t[2], t[3], t[4], t[5], t[6], t[7]
if ARGV[2] ~= '' and ARGV[2] ~= token then return {'err', 'forbidden', ''} end
local allowed = {recall = {called = true}, check_in = {called = true}, no_show = {called = true},
  sampled = {called = true}, cancel = {waiting = true, called = true}}
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
  local final = {no_show = 'no_show', sampled = 'sampled', cancel = 'cancelled'}
  redis.call('HSET', KEYS[1], 'status', final[op], 'finished_ms', now)
  if redis.call('HGET', KEYS[3], id_number) == tid then redis.call('HDEL', KEYS[3], id_number) end
  if status == 'waiting' then
    redis.call('ZREM', KEYS[2], tid)
    event.left = tonumber(score)
  else
    redis.call('ZREM', STATION_PREFIX .. 'serving:' .. station, tid)
  end
  if op == 'sampled' then
    redis.call('HSET', KEYS[1], 'sampled_ms', now)
    stats_on_sampled(KEYS[1], station, now)
    local per_station = STATION_PREFIX .. 'served:' .. station
    redis.call('ZADD', KEYS[6], now, tid)
    redis.call('ZADD', per_station, now, tid)
    redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now - HISTORY_MS)
    redis.call('ZREMRANGEBYSCORE', per_station, '-inf', now - HISTORY_MS)
  end
  event.type = final[op]
end
event.waiting = redis.call('ZCARD', KEYS[2])
event.pace = pace(KEYS[7], now)
local event_id, event_json = emit(KEYS[4], event)
redis.call('SET', KEYS[5], tid, 'EX', IDEM_TTL)
return {'ok', tid, event_id, event_json}
"""

# Open, pause or close a station.
# KEYS[1] stations  KEYS[2] events  KEYS[3] waiting
# ARGV[1] station  ARGV[2] status, then the tail
# -> {'ok', event_id, event_json} | {'err', code, detail}
SET_STATION = _COMMON + r"""
if not redis.call('HGET', KEYS[1], ARGV[1]) then return {'err', 'station_not_found', ''} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local now = now_ms()
local event_id, event_json = emit(KEYS[2], {type = 'station', station = tonumber(ARGV[1]), status = ARGV[2],
  waiting = redis.call('ZCARD', KEYS[3]), pace = pace(KEYS[1], now), ts = now})
return {'ok', event_id, event_json}
"""

# One consistent picture of a site: what a board or phone starts from.
# KEYS[1] meta  KEYS[2] stations  KEYS[3] waiting  KEYS[4] events  KEYS[5] calling
# ARGV: the tail only
# -> {meta flat, stations flat, waiting, pace, last event id, calling flat} | nil
SITE_SNAPSHOT = _COMMON + r"""
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return {redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]), redis.call('ZCARD', KEYS[3]),
  tostring(pace(KEYS[2], now_ms())), last_event_id(KEYS[4]), redis.call('HGETALL', KEYS[5])}
"""

# One ticket as its holder sees it, consistent with the site feed position.
# KEYS[1] ticket  KEYS[2] waiting  KEYS[3] events  KEYS[4] stations
# ARGV: the tail only
# -> {ticket flat, rank or -1, last event id, pace} | nil
TICKET_SNAPSHOT = _COMMON + r"""
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local rank = redis.call('ZRANK', KEYS[2], redis.call('HGET', KEYS[1], 'id'))
if not rank then rank = -1 end
return {redis.call('HGETALL', KEYS[1]), rank, last_event_id(KEYS[3]), tostring(pace(KEYS[4], now_ms()))}
"""

# Create a site with its stations, all open, unless the id is taken.
# KEYS[1] meta  KEYS[2] stations  KEYS[3] the set of all sites
# ARGV[1] site id  ARGV[2] station count  ARGV[3..] meta field/value pairs
# -> 1 | 0 (the id is taken)
CREATE_SITE = r"""
if redis.call('SADD', KEYS[3], ARGV[1]) == 0 then return 0 end
local fields = {}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
for n = 1, tonumber(ARGV[2]) do redis.call('HSET', KEYS[2], n, 'open') end
return 1
"""
