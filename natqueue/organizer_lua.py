"""Lua scripts for the organizer's own state changes: pauses with a reason, rosters, alerts.

Named constants with their KEYS/ARGV, looked up by ``Backend.script`` after
``natqueue.lua``. Each is one atomic change.
"""

from natqueue.lua import _COMMON

# Open, pause or close a station, with the reason for a pause (shown on the
# dashboard and the calling screen). Same event as SET_STATION, plus ``reason``.
# KEYS[1] stations  KEYS[2] events  KEYS[3] waiting  KEYS[4] station reasons
# ARGV[1] station  ARGV[2] status  ARGV[3] reason ('' = none), then the tail
# -> {'ok', event_id, event_json} | {'err', code, detail}
SET_STATION_REASON = _COMMON + r"""
if not redis.call('HGET', KEYS[1], ARGV[1]) then return {'err', 'station_not_found', ''} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[2] == 'paused' and ARGV[3] ~= '' then
  redis.call('HSET', KEYS[4], ARGV[1], ARGV[3])
else
  redis.call('HDEL', KEYS[4], ARGV[1])
end
local now = now_ms()
local pooled, single = paces(KEYS[1], now)
local event = {type = 'station', station = tonumber(ARGV[1]), status = ARGV[2],
  waiting = redis.call('ZCARD', KEYS[3]), pace = pooled, pace_single = single, ts = now}
if ARGV[3] ~= '' and ARGV[2] == 'paused' then event.reason = ARGV[3] end
local event_id, event_json = emit(KEYS[2], event)
return {'ok', event_id, event_json}
"""

# Replace a station's roster: who is on duty now, with their role.
# People no longer listed are checked out, new ones checked in; both moves are
# appended to the roster history. Idempotent by request id.
# KEYS[1] current roster hash (person -> role|since)  KEYS[2] history stream  KEYS[3] idem
# KEYS[4] stations
# ARGV[1] station  ARGV[2] now ms  ARGV[3] actor  ARGV[4..] person, role pairs
# -> {'ok', changes} | {'replay'} | {'err', code, detail}
ROSTER_PUT = r"""
if redis.call('GET', KEYS[3]) then return {'replay'} end
if not redis.call('HGET', KEYS[4], ARGV[1]) then return {'err', 'station_not_found', ''} end
local now = ARGV[2]
local wanted = {}
for i = 4, #ARGV, 2 do wanted[ARGV[i]] = ARGV[i + 1] end
local current = redis.call('HGETALL', KEYS[1])
local changes = 0
for i = 1, #current, 2 do
  local person, role = current[i], string.match(current[i + 1], '^([^|]*)')
  if wanted[person] ~= role then
    redis.call('HDEL', KEYS[1], person)
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', 5000, '*', 'station', ARGV[1], 'person', person, 'role', role,
      'move', 'out', 'ts', now, 'by', ARGV[3])
    changes = changes + 1
  else
    wanted[person] = nil
  end
end
for person, role in pairs(wanted) do
  redis.call('HSET', KEYS[1], person, role .. '|' .. now)
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', 5000, '*', 'station', ARGV[1], 'person', person, 'role', role,
    'move', 'in', 'ts', now, 'by', ARGV[3])
  changes = changes + 1
end
redis.call('SET', KEYS[3], '1', 'EX', 600)
return {'ok', changes}
"""

# Bring the stored alerts in line with the conditions true now. A raised alert
# stays until acknowledged, even after its condition clears; an acknowledged
# one that clears is dropped, and is raised afresh if its condition returns, or
# if it grows worse by a step (``level``, for waits) after it was acknowledged.
# KEYS[1] alerts hash (id -> json)
# ARGV[1] now ms  ARGV[2..] id, message-json pairs of the conditions true now
# -> the alerts hash, flat
ALERTS_SYNC = r"""
local now = tonumber(ARGV[1])
local active = {}
for i = 2, #ARGV, 2 do active[ARGV[i]] = ARGV[i + 1] end
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
"""

# Acknowledge an alert: a cleared one goes away; an active one stays, marked seen.
# KEYS[1] alerts hash  ARGV[1] alert id  ARGV[2] now ms  ARGV[3] actor
# -> 1 | 0 (no such alert)
ALERT_ACK = r"""
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if not stored then return 0 end
local alert = cjson.decode(stored)
if not alert.active then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return 1
end
alert.acked_ms = tonumber(ARGV[2])
alert.acked_by = ARGV[3]
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(alert))
return 1
"""

# Change a site's settings, and add stations (new ones start closed, so they
# change no estimate until staff open them).
# KEYS[1] meta  KEYS[2] stations
# ARGV[1] new station count ('' = unchanged)  ARGV[2..] field, value pairs
# -> {'ok'} | {'err', code, detail}
UPDATE_SITE = r"""
if redis.call('EXISTS', KEYS[1]) == 0 then return {'err', 'site_not_found', ''} end
if ARGV[1] ~= '' then
  local have = tonumber(redis.call('HGET', KEYS[1], 'stations') or '0')
  local want = tonumber(ARGV[1])
  if want < have then return {'err', 'stations_cannot_shrink', tostring(have)} end
  for n = have + 1, want do redis.call('HSETNX', KEYS[2], n, 'closed') end
  redis.call('HSET', KEYS[1], 'stations', want)
end
if #ARGV > 1 then
  local fields = {}
  for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end
  redis.call('HSET', KEYS[1], unpack(fields))
end
return {'ok'}
"""
