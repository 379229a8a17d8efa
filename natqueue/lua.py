"""The Lua scripts behind every queue state change.

Each change runs as one script: atomic across any number of app processes and
one round trip. Every state-changing script first claims an idempotency key
(``SET NX`` inside the script), so a request retried by a phone, a station or
redis-py's own retries replays its first result instead of acting twice.

Scripts answer with a small table whose first element says what happened:
``{'ok', ...}``, ``{'replay', ticket_id}`` or ``{'err', code, detail}``.
Times come from Redis ``TIME``: one clock for every app host.
"""

from natqueue.lua_helpers import FLOW_HELPERS
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

-- Seconds per person for each kind of station: the sum of each open station's measured
-- rate over the window (the default rate until it has enough samples), over the pooled
-- stations, and over the single-tube ones (only these call yellow-code residents, and they
-- call nobody else). Each is -1 when no station of its kind is open.
local function paces(stations_key, now)
  local flat = redis.call('HGETALL', stations_key)
  local modes = redis.call('HGETALL', string.sub(STATION_PREFIX, 1, -4) .. 'modes')
  local single = {}
  for i = 1, #modes, 2 do single[modes[i]] = modes[i + 1] == 'single' end
  local pooled_rate, single_rate = 0, 0
  for i = 1, #flat, 2 do
    if flat[i + 1] == 'open' then
      local key = STATION_PREFIX .. 'served:' .. flat[i]
      local n = redis.call('ZCOUNT', key, now - WINDOW_MS, now)
      local rate = 1 / DEFAULT_S
      if n >= MIN_SAMPLES then
        local first = redis.call('ZRANGEBYSCORE', key, now - WINDOW_MS, now, 'WITHSCORES', 'LIMIT', 0, 1)
        rate = n * 1000 / math.max(now - tonumber(first[2]), 60000)
      end
      if single[flat[i]] then single_rate = single_rate + rate else pooled_rate = pooled_rate + rate end
    end
  end
  local function per_person(rate) if rate == 0 then return -1 end return 1 / rate end
  return per_person(pooled_rate), per_person(single_rate)
end

-- The pooled stations' pace: what a new arrival, and nearly everyone, waits by.
local function pace(stations_key, now)
  local pooled = paces(stations_key, now)
  return pooled
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

# Join the queue: one person, or a household on one phone (all tickets or none).
# KEYS[1] meta  KEYS[2] stations  KEYS[3] waiting  KEYS[4] live_ids  KEYS[5] seq
# KEYS[6] events  KEYS[7] idem
# ARGV[1] ticket key prefix  ARGV[2] household id ('' for one person)  ARGV[3] walk-in ('1' or '')
# ARGV[4] JSON list of people: {id, token, name, phone, doc_type, id_number, person, lane,
#   priority, single, declared}, then the tail
# -> {'ok', ticket ids, event_id, event_json, {ticket flat, ahead} per person, last event id, pace}
#    | {'replay', first ticket id} | {'err', code, detail}
JOIN = _COMMON + FLOW_HELPERS + r"""
local prior = redis.call('GET', KEYS[7])
if prior then return {'replay', prior} end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'err', 'site_not_found', ''} end
local any_open = false
for _, s in ipairs(redis.call('HVALS', KEYS[2])) do
  if s ~= 'closed' then any_open = true end
end
if not any_open then return {'err', 'site_closed', ''} end
local people = cjson.decode(ARGV[4])
for i, p in ipairs(people) do
  local holder = redis.call('HGET', KEYS[4], p.person)
  if holder then
    return {'err', 'already_queued', (redis.call('HGET', ARGV[1] .. holder, 'number') or '') .. '@' .. (i - 1)}
  end
end
local base = site_base(KEYS[3])
local now = now_ms()
local round = current_round(base, now)  -- every record belongs to a round
local ids, first_seq, also = {}, nil, {}
for _, p in ipairs(people) do
  local seq = redis.call('INCR', KEYS[5])
  local number = ticket_number(seq)
  local tkey = ARGV[1] .. p.id
  redis.call('HSET', tkey, 'id', p.id, 'token', p.token, 'number', number, 'seq', seq,
    'score', seq, 'status', 'waiting', 'name', p.name, 'phone', p.phone, 'id_number', p.id_number,
    'created_ms', now, 'doc_type', p.doc_type, 'person', p.person, 'lane', p.lane, 'round', round)
  for _, f in ipairs({'priority', 'single', 'declared'}) do
    if p[f] ~= '' then redis.call('HSET', tkey, f, p[f]) end
  end
  if ARGV[2] ~= '' then
    redis.call('HSET', tkey, 'household', ARGV[2])
    redis.call('RPUSH', base .. 'hh:' .. ARGV[2], p.id)
  end
  if ARGV[3] == '1' then redis.call('HSET', tkey, 'walk_in', 1) end
  redis.call('ZADD', KEYS[3], seq, p.id)
  redis.call('ZADD', lane_key(base, p.lane), seq, p.id)
  if p.declared ~= '' then redis.call('ZADD', base .. 'declared', seq, p.id) end
  redis.call('HSET', KEYS[4], p.person, p.id)
  redis.call('SADD', round_key(base, round, 'tickets'), p.id)
  redis.call('HINCRBY', round_key(base, round, 'counts'), 'joined', 1)
  if ARGV[3] == '1' then redis.call('HINCRBY', round_key(base, round, 'counts'), 'walk_in', 1) end
  ids[#ids + 1] = p.id
  if first_seq then also[#also + 1] = {seq, p.lane} else first_seq = seq end
end
if ARGV[2] ~= '' then redis.call('EXPIRE', base .. 'hh:' .. ARGV[2], 7 * 86400) end
local site_pace, single_pace = paces(KEYS[2], now)
local first = redis.call('HMGET', ARGV[1] .. ids[1], 'number', 'lane')
local event = {type = 'joined', number = first[1], entered = first_seq, lane = first[2],
  waiting = redis.call('ZCARD', KEYS[3]), pace = site_pace, pace_single = single_pace, ts = now}
if #also > 0 then event.also = also end
local event_id, event_json = emit(KEYS[6], event)
redis.call('SET', KEYS[7], ids[1], 'EX', IDEM_TTL)
-- Each new ticket as TICKET_SNAPSHOT shows it, so a join needs no second round trip.
local snaps = {}
for i, p in ipairs(people) do
  local tkey = ARGV[1] .. p.id
  snaps[i] = {redis.call('HGETALL', tkey), lane_ahead(base, p.lane, redis.call('HGET', tkey, 'score'))}
end
return {'ok', ids, event_id, event_json, snaps, event_id, tostring(site_pace), tostring(single_pace)}
"""

# Call the next waiting ticket to a station: from the lane the site's priority ratio
# picks, single-tube residents only to single-tube stations, and the rest of a
# household along with it.
# KEYS[1] stations  KEYS[2] waiting  KEYS[3] events  KEYS[4] idem  KEYS[5] serving(n)  KEYS[6] calling
# ARGV[1] station  ARGV[2] ticket key prefix, then the tail
# -> {'ok', ticket_id, event_id, event_json, household ids called with it}
#    | {'empty'} | {'replay', ticket_id or ''} | {'err', code, detail}
CALL_NEXT = _COMMON + FLOW_HELPERS + r"""
local prior = redis.call('GET', KEYS[4])
if prior then return {'replay', prior} end
local status = redis.call('HGET', KEYS[1], ARGV[1])
if not status then return {'err', 'station_not_found', ''} end
if status ~= 'open' then return {'err', 'station_not_open', status} end
local station = ARGV[1]
local base = site_base(KEYS[2])
local group = (redis.call('HGET', base .. 'modes', station) == 'single') and 's' or ''
local lane = choose_lane(base, group)
local popped = {}
if lane then
  popped = redis.call('ZRANGE', lane, 0, 0)
elseif group == '' then
  -- A ticket queued before lanes existed waits in `waiting` alone.
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0)
  if #oldest > 0 and not redis.call('HGET', ARGV[2] .. oldest[1], 'lane') then popped = oldest end
end
if #popped == 0 then
  redis.call('SET', KEYS[4], '', 'EX', IDEM_TTL)
  return {'empty'}
end
local first = popped[1]
local now = now_ms()
local called = {first}
local household = redis.call('HGET', ARGV[2] .. first, 'household')
if household then
  for _, m in ipairs(redis.call('LRANGE', base .. 'hh:' .. household, 0, -1)) do
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
  local left_lane = leave_lane(base, tkey, tid)
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
-- The ticket the call is for (the first of a household), by the names the rest of the script knows.
local tid, tkey, number = first, ARGV[2] .. first, event.number
event.waiting = redis.call('ZCARD', KEYS[2])
event.pace, event.pace_single = paces(KEYS[1], now)
local event_id, event_json = emit(KEYS[3], event)
redis.call('SET', KEYS[4], tid, 'EX', IDEM_TTL)
table.remove(called, 1)
return {'ok', tid, event_id, event_json, called}
"""

# Move one ticket on: recall, check_in, no_show, sampled (staff) or cancel (holder or staff;
# staff also cancel a home visit, taking it off the home-sampling list).
# check_in records the moment a called resident reached the table (code scanned or
# number confirmed); it leaves the status at 'called'. sampled binds the sample to the
# station's open tube first (lua_helpers.bind_sample) and refuses, changing nothing,
# a single-tube resident at a pooled tube or a person already sampled this round.
# KEYS[1] ticket  KEYS[2] waiting  KEYS[3] live_ids  KEYS[4] events  KEYS[5] idem
# KEYS[6] served  KEYS[7] stations  KEYS[8] calling
# ARGV[1] op  ARGV[2] holder token ('' when staff acts)
# ARGV[3] for sampled: the tube the station had open when the medic marked it ('-': none;
#   '' to bind to whatever is open now), then the tail
# -> {'ok', ticket_id, event_id, event_json} | {'replay', ticket_id} | {'err', code, detail}
TRANSITION = _COMMON + FLOW_HELPERS + r"""
local prior = redis.call('GET', KEYS[5])
if prior then return {'replay', prior} end
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
  local base = site_base(KEYS[2])
  if op == 'sampled' then
    -- A mark sent late (kept by a console through a network cut) names the tube it was
    -- made with: bound to another one, the lab's record would point at the wrong people.
    if ARGV[3] ~= '' and (redis.call('HGET', base .. 'open-tubes', station) or '-') ~= ARGV[3] then
      return {'err', 'tube_changed', ''}
    end
    -- The tube binding is checked first: a refused sample changes nothing.
    local refused = bind_sample(base, KEYS[1], tid, station, now)
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
    event.lane = leave_lane(base, KEYS[1], tid)
    event.left = tonumber(score)
  elseif status == 'home' then
    redis.call('ZREM', base .. 'home', tid)  -- taken off the home-sampling list (staff only: no token)
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
event.pace, event.pace_single = paces(KEYS[7], now)
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
local pooled, single = paces(KEYS[1], now)
local event_id, event_json = emit(KEYS[2], {type = 'station', station = tonumber(ARGV[1]), status = ARGV[2],
  waiting = redis.call('ZCARD', KEYS[3]), pace = pooled, pace_single = single, ts = now})
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
# -> {ticket flat, people ahead (lua_helpers.lane_ahead) or -1, last event id, pace} | nil
TICKET_SNAPSHOT = _COMMON + FLOW_HELPERS + r"""
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local rank = -1
local t = redis.call('HMGET', KEYS[1], 'status', 'lane', 'score')
if t[1] == 'waiting' then
  if t[2] then rank = lane_ahead(site_base(KEYS[2]), t[2], t[3])
  else rank = redis.call('ZRANK', KEYS[2], redis.call('HGET', KEYS[1], 'id')) or -1 end
end
-- The pace of the stations that will call this ticket: single-tube ones for a yellow code.
local pooled, single = paces(KEYS[4], now_ms())
local lane_pace = pooled
if t[2] and string.sub(t[2], 1, 1) == 's' then lane_pace = single end
return {redis.call('HGETALL', KEYS[1]), rank, last_event_id(KEYS[3]), tostring(lane_pace)}
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
