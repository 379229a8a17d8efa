"""Lua scripts of the sampling workflow: tubes, flags, station modes, home sampling, rounds.

Same rules as ``natqueue.lua``: one script per change, atomic, claiming an
idempotency key first (a retry answers ``{'replay', ...}`` and changes
nothing), the common ARGV tail last. Every script gets the same first keys:
KEYS[1] idem  KEYS[2] waiting (its name gives the site's base prefix)
KEYS[3] events. Other keys are derived from the base prefix (one hash slot).
"""

from natqueue.lua import _COMMON
from natqueue.lua_helpers import FLOW_HELPERS

_HEAD = _COMMON + FLOW_HELPERS + r"""
local prior = redis.call('GET', KEYS[1])
if prior then return {'replay', prior} end
local base = site_base(KEYS[2])
local now = now_ms()
local function done(result_id, event)
  event.ts = now
  local event_id, event_json = emit(KEYS[3], event)
  redis.call('SET', KEYS[1], result_id, 'EX', IDEM_TTL)
  return {'ok', result_id, event_id, event_json}
end
"""

# Open a tube for a station (or a home team 'h<n>').
# KEYS[4] the tube code -> site hash of every site (keys.TUBE_SITES_KEY)
# ARGV[1] owner  ARGV[2] tube code  ARGV[3] mode ('' = the station's mode)  ARGV[4] site id
# -> {'ok', code, event_id, event_json}
OPEN_TUBE = _HEAD + r"""
local owner, code = ARGV[1], ARGV[2]
local open = redis.call('HGET', base .. 'open-tubes', owner)
if open then return {'err', 'tube_already_open', open} end
local mode = ARGV[3]
if mode == '' then
  mode = redis.call('HGET', base .. 'modes', owner) == 'single' and 'single' or 'pooled'
end
local round = current_round(base, now)
-- A tube code is used once, ever: a second scan of a used tube is refused, here or at
-- another site (the lab knows a tube by its code alone).
local elsewhere = redis.call('HGET', KEYS[4], code)
if elsewhere and elsewhere ~= ARGV[4] then return {'err', 'tube_used_elsewhere', code} end
if redis.call('HSETNX', base .. 'tubes', code, round) == 0 then return {'err', 'tube_used', code} end
redis.call('HSET', KEYS[4], code, ARGV[4])
local capacity = 1
if mode == 'pooled' then capacity = tonumber(redis.call('HGET', base .. 'meta', 'tube_capacity') or '10') end
redis.call('HSET', base .. 'tube:' .. code, 'code', code, 'round', round, 'owner', owner, 'mode', mode,
  'capacity', capacity, 'count', 0, 'next', 0, 'status', 'open', 'opened_ms', now)
redis.call('HSET', base .. 'open-tubes', owner, code)
redis.call('ZADD', round_key(base, round, 'tubes'), now, code)
redis.call('HINCRBY', round_key(base, round, 'counts'), 'tubes', 1)
-- From now on this round, this station (or team) samples into tubes only: see bind_sample.
redis.call('SADD', round_key(base, round, 'tube-owners'), owner)
return done(code, {type = 'tube_opened', owner = owner, tube = code, mode = mode, capacity = capacity})
"""

# Close a station's open tube before it is full.
# ARGV[1] owner -> {'ok', code, event_id, event_json}
CLOSE_TUBE = _HEAD + r"""
local code = redis.call('HGET', base .. 'open-tubes', ARGV[1])
if not code then return {'err', 'no_open_tube', ''} end
close_tube(base, code, now, 'early')
return done(code, {type = 'tube_closed', owner = ARGV[1], tube = code})
"""

# Move a sampled person from one open tube to another (a scan into the wrong tube).
# ARGV[1] ticket key  ARGV[2] target tube code -> {'ok', ticket id, event_id, event_json}
MOVE_SAMPLE = _HEAD + r"""
local tkey, to = ARGV[1], ARGV[2]
local t = redis.call('HMGET', tkey, 'id', 'status', 'tube', 'single', 'round', 'sample_mode')
if not t[1] then return {'err', 'ticket_not_found', ''} end
local from = t[3]
if t[2] ~= 'sampled' or not from then return {'err', 'not_in_tube', ''} end
if from == to then return {'err', 'same_tube', to} end
for _, code in ipairs({from, to}) do
  if redis.call('HGET', base .. 'tube:' .. code, 'status') ~= 'open' then return {'err', 'tube_not_open', code} end
end
if t[4] and redis.call('HGET', base .. 'tube:' .. to, 'mode') ~= 'single' then
  return {'err', 'single_tube_required', ''}
end
redis.call('ZREM', base .. 'tube-m:' .. from, t[1])
redis.call('HINCRBY', base .. 'tube:' .. from, 'count', -1)
redis.call('HDEL', tkey, 'tube_filled')
local _, filled = tube_add(base, to, tkey, t[1], now)
if filled then redis.call('HSET', tkey, 'tube_filled', 1) end
redis.call('HSET', tkey, 'moved_from', from, 'moved_ms', now)
local counts = round_key(base, t[5] or '', 'counts')
redis.call('HINCRBY', counts, t[6], -1)
redis.call('HINCRBY', counts, redis.call('HGET', tkey, 'sample_mode'), 1)
return done(t[1], {type = 'tube_moved', tube = to, from = from, tube_full = filled or nil})
"""

# Void a sample, keeping it in the record with its reason. The swab stays where it is
# (a trace still lists it); the person may be sampled again in this round.
# ARGV[1] ticket key  ARGV[2] reason  ARGV[3] who -> {'ok', ticket id, event_id, event_json}
VOID_SAMPLE = _HEAD + r"""
local tkey = ARGV[1]
local t = redis.call('HMGET', tkey, 'id', 'status', 'voided_ms', 'person', 'id_number', 'round')
if not t[1] then return {'err', 'ticket_not_found', ''} end
if t[2] ~= 'sampled' then return {'err', 'invalid_transition', t[2]} end
if t[3] then return {'err', 'already_voided', ''} end
redis.call('HSET', tkey, 'voided_ms', now, 'void_reason', ARGV[2], 'voided_by', ARGV[3])
local bound = round_key(base, t[6] or '', 'bound')
if redis.call('HGET', bound, t[4] or t[5]) == t[1] then redis.call('HDEL', bound, t[4] or t[5]) end
redis.call('HINCRBY', round_key(base, t[6] or '', 'counts'), 'voided', 1)
return done(t[1], {type = 'voided', number = redis.call('HGET', tkey, 'number')})
"""

# Staff set or clear a ticket's priority and single-tube marks; a waiting ticket
# changes lane at once, keeping its place by join order. A resident marked for a
# single tube while called to a pooled station (the cadre sees a yellow code at the
# table) goes back to wait for a single-tube station, at that same place.
# ARGV[1] ticket key  ARGV[2] priority reason ('-' keep, '' clear)  ARGV[3] single reason (same)
# -> {'ok', ticket id, event_id, event_json}
SET_FLAGS = _HEAD + r"""
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
  redis.call('ZREM', base .. 'declared', t[1])
  redis.call('HSET', tkey, 'priority_checked_ms', now)
end
local event = {type = 'flags', number = t[7]}
if t[2] == 'called' and values.single and redis.call('HGET', base .. 'modes', t[8]) ~= 'single' then
  local lane = 's' .. (values.priority and 'p' or 'r')
  redis.call('ZREM', STATION_PREFIX .. 'serving:' .. t[8], t[1])
  if redis.call('HGET', base .. 'calling', t[8]) == t[7] then redis.call('HDEL', base .. 'calling', t[8]) end
  redis.call('HDEL', tkey, 'station', 'called_ms', 'checked_in_ms', 'recalls', 'recalled_ms')
  redis.call('HSET', tkey, 'status', 'waiting', 'lane', lane)
  redis.call('ZADD', KEYS[2], t[4], t[1])
  redis.call('ZADD', lane_key(base, lane), t[4], t[1])
  event.entered, event.entered_lane, event.station = tonumber(t[4]), lane, tonumber(t[8])
  event.waiting = redis.call('ZCARD', KEYS[2])
elseif t[2] == 'waiting' then
  local lane = (values.single and 's' or '') .. (values.priority and 'p' or 'r')
  local old = t[3] or 'r'
  if lane ~= old then
    redis.call('ZREM', lane_key(base, old), t[1])
    redis.call('ZADD', lane_key(base, lane), t[4], t[1])
    redis.call('HSET', tkey, 'lane', lane)
    event.left, event.lane, event.entered, event.entered_lane = tonumber(t[4]), old, tonumber(t[4]), lane
  end
  event.waiting = redis.call('ZCARD', KEYS[2])
end
return done(t[1], event)
"""

# Set a station to pooled or single-tube mode; its open tube (of the old mode) is closed.
# ARGV[1] station  ARGV[2] mode -> {'ok', station, event_id, event_json}
SET_MODE = _HEAD + r"""
if not redis.call('HGET', base .. 'stations', ARGV[1]) then return {'err', 'station_not_found', ''} end
local code = redis.call('HGET', base .. 'open-tubes', ARGV[1])
if code then close_tube(base, code, now, 'mode') end
redis.call('HSET', base .. 'modes', ARGV[1], ARGV[2])
-- Which stations serve whom changed: so did each kind's pace, which phones wait by.
local pooled, single = paces(base .. 'stations', now)
return done(ARGV[1], {type = 'station_mode', station = tonumber(ARGV[1]), mode = ARGV[2],
  pace = pooled, pace_single = single})
"""

# Put a resident who cannot come on the home-sampling list.
# ARGV[1] ticket key prefix  ARGV[2] JSON {id, token, name, phone, doc_type, id_number, person,
#   single, address, reason} -> {'ok', ticket id, event_id, event_json}
HOME_ADD = _HEAD + r"""
local p = cjson.decode(ARGV[2])
local holder = redis.call('HGET', base .. 'live-ids', p.person)
if holder then return {'err', 'already_queued', redis.call('HGET', ARGV[1] .. holder, 'number') or ''} end
local round = current_round(base, now)
local seq = redis.call('INCR', base .. 'home-seq')
local number = 'H' .. string.format('%03d', seq)
local tkey = ARGV[1] .. p.id
redis.call('HSET', tkey, 'id', p.id, 'token', p.token, 'number', number, 'seq', seq, 'score', seq,
  'status', 'home', 'name', p.name, 'phone', p.phone, 'id_number', p.id_number, 'doc_type', p.doc_type,
  'person', p.person, 'address', p.address, 'home_reason', p.reason, 'created_ms', now, 'round', round)
if p.single ~= '' then redis.call('HSET', tkey, 'single', p.single) end
redis.call('ZADD', base .. 'home', seq, p.id)
redis.call('HSET', base .. 'live-ids', p.person, p.id)
redis.call('SADD', round_key(base, round, 'tickets'), p.id)
redis.call('HINCRBY', round_key(base, round, 'counts'), 'home', 1)
return done(p.id, {type = 'home_added', number = number})
"""

# A home team marks a home visit done: same tube binding as at a station.
# ARGV[1] ticket key  ARGV[2] team owner ('h<n>') -> {'ok', ticket id, event_id, event_json}
HOME_DONE = _HEAD + r"""
local tkey = ARGV[1]
local t = redis.call('HMGET', tkey, 'id', 'status', 'person', 'number')
if not t[1] then return {'err', 'ticket_not_found', ''} end
if t[2] ~= 'home' then return {'err', 'invalid_transition', t[2]} end
local refused = bind_sample(base, tkey, t[1], ARGV[2], now)
if refused then return {'err', refused, ''} end
redis.call('HSET', tkey, 'status', 'sampled', 'finished_ms', now, 'sampled_ms', now)
if redis.call('HGET', base .. 'live-ids', t[3]) == t[1] then redis.call('HDEL', base .. 'live-ids', t[3]) end
redis.call('ZREM', base .. 'home', t[1])
local bound = redis.call('HMGET', tkey, 'tube', 'tube_filled')
return done(t[1], {type = 'home_sampled', number = t[4], tube = bound[1], tube_full = bound[2] == '1' or nil})
"""

# Start a new round; the one before it ends now, and so do its open tubes.
# ARGV[1] name -> {'ok', round id, event_id, event_json}
NEW_ROUND = _HEAD + r"""
local old = current_round(base, now)
for _, code in ipairs(redis.call('HVALS', base .. 'open-tubes')) do close_tube(base, code, now, 'round') end
local rounds = base .. 'rounds'
local record = cjson.decode(redis.call('HGET', rounds, old))
record.ended_ms = now
redis.call('HSET', rounds, old, cjson.encode(record))
local id = tostring(redis.call('HLEN', rounds) + 1)
redis.call('HSET', rounds, id, cjson.encode({id = id, name = ARGV[1], started_ms = now}))
redis.call('HSET', base .. 'meta', 'round', id)
return done(id, {type = 'round', round = id})
"""

# Remove a round's personal data once its retention period has passed; counts stay.
# ARGV[1] round  ARGV[2] retention (ms) -> {'ok', round id, event_id, event_json}
PURGE_ROUND = _HEAD + r"""
local round = ARGV[1]
local raw = redis.call('HGET', base .. 'rounds', round)
if not raw then return {'err', 'round_not_found', round} end
local record = cjson.decode(raw)
if not record.ended_ms then return {'err', 'round_current', round} end
local left = record.ended_ms + tonumber(ARGV[2]) - now
if left > 0 then return {'err', 'retention', tostring(left)} end
local live = base .. 'live-ids'
local purged = 0
for _, tid in ipairs(redis.call('SMEMBERS', round_key(base, round, 'tickets'))) do
  local tkey = base .. 't:' .. tid
  local pkey = redis.call('HGET', tkey, 'person')
  if pkey and redis.call('HGET', live, pkey) == tid then redis.call('HDEL', live, pkey) end
  purged = purged + redis.call('HDEL', tkey, 'name', 'phone', 'id_number', 'person', 'address')
  redis.call('HSET', tkey, 'purged_ms', now)
end
redis.call('DEL', round_key(base, round, 'bound'))
record.purged_ms = now
redis.call('HSET', base .. 'rounds', round, cjson.encode(record))
return done(round, {type = 'round_purged', round = round})
"""
