"""Lua helpers for lanes, households and tube binding, shared by the queue's scripts.

Prepended (after ``lua._COMMON``) to the scripts that need them. Every key is
derived from the site's base prefix (``nq:{site}:``), which scripts get by
stripping ``waiting`` from the waiting key they are given, so all keys stay in
the site's hash slot.

Lanes: every waiting ticket is in the site's ``waiting`` set (scored by join
sequence) and in exactly one lane set, scored the same: ``lane:p`` / ``lane:r``
(priority / regular, pooled tubes) and ``lane:sp`` / ``lane:sr`` (the same for
residents who must be tested alone, called only by single-tube stations).
"""

FLOW_HELPERS = r"""
local function site_base(waiting_key) return string.sub(waiting_key, 1, -8) end
local function lane_key(base, lane) return base .. 'lane:' .. lane end
local function lane_group(lane) if lane == 'sp' or lane == 'sr' then return 's' end return '' end
local function lane_is_priority(lane) return lane == 'p' or lane == 'sp' end

-- People ahead of a waiting ticket, cheap and stable (see docs/api.md): a regular
-- ticket counts every waiting ticket of its group that joined earlier; a priority
-- ticket counts only the earlier priority tickets of its group.
local function lane_ahead(base, lane, score)
  local group = lane_group(lane)
  local n = redis.call('ZCOUNT', lane_key(base, group .. 'p'), '-inf', '(' .. score)
  if not lane_is_priority(lane) then
    n = n + redis.call('ZCOUNT', lane_key(base, group .. 'r'), '-inf', '(' .. score)
  end
  return n
end

-- Take a waiting ticket out of its lane (and out of the declared-priority list).
local function leave_lane(base, tkey, tid)
  local lane = redis.call('HGET', tkey, 'lane')
  if lane then redis.call('ZREM', lane_key(base, lane), tid) end
  redis.call('ZREM', base .. 'declared', tid)
  return lane or 'r'
end

-- Which lane of ``group`` ('' pooled, 's' single) the next call takes, honouring the
-- site's ratio: while both lanes wait, P priority calls then R regular ones; priority
-- goes first whenever the regular run is complete. Returns the lane key or nil.
local function choose_lane(base, group)
  local pk, rk = lane_key(base, group .. 'p'), lane_key(base, group .. 'r')
  local np, nr = redis.call('ZCARD', pk), redis.call('ZCARD', rk)
  if np == 0 and nr == 0 then return nil end
  local ratio = redis.call('HMGET', base .. 'meta', 'priority_ratio_p', 'priority_ratio_r')
  local P, R = tonumber(ratio[1]) or 1, tonumber(ratio[2]) or 2
  local state = base .. 'lanes'
  local ps = tonumber(redis.call('HGET', state, group .. 'p') or '0')
  local rs = tonumber(redis.call('HGET', state, group .. 'r') or '0')
  if np > 0 and (nr == 0 or ps < P) then
    redis.call('HSET', state, group .. 'p', math.min(ps + 1, P), group .. 'r', 0)
    return pk
  end
  if np == 0 then
    redis.call('HSET', state, group .. 'p', 0, group .. 'r', 0)
  elseif rs + 1 >= R then
    redis.call('HSET', state, group .. 'p', 0, group .. 'r', 0)
  else
    redis.call('HSET', state, group .. 'r', rs + 1)
  end
  return rk
end

local function round_key(base, round, what) return base .. 'round:' .. round .. ':' .. what end

-- The site's current round; a site starts in round 1.
local function current_round(base, now)
  if redis.call('HSETNX', base .. 'meta', 'round', '1') == 1 then
    redis.call('HSET', base .. 'rounds', '1', cjson.encode({id = '1', name = '', started_ms = now}))
  end
  return redis.call('HGET', base .. 'meta', 'round')
end

-- Close a tube: it leaves its owner's open slot and keeps its record.
local function close_tube(base, code, now, why)
  local tube = base .. 'tube:' .. code
  local owner = redis.call('HGET', tube, 'owner')
  redis.call('HSET', tube, 'status', 'closed', 'closed_ms', now, 'closed_why', why)
  if owner and redis.call('HGET', base .. 'open-tubes', owner) == code then
    redis.call('HDEL', base .. 'open-tubes', owner)
  end
end

-- Put a sample in a tube at its first free position (a sample moved out frees its place,
-- so positions stay within 1..capacity, as on the lab's rack); closes the tube when full.
-- -> count, filled
local function tube_add(base, code, tkey, tid, now)
  local tube = base .. 'tube:' .. code
  local members = base .. 'tube-m:' .. code
  local pos = redis.call('HINCRBY', tube, 'next', 1)
  local capacity = tonumber(redis.call('HGET', tube, 'capacity'))
  for p = 1, capacity do
    if redis.call('ZCOUNT', members, p, p) == 0 then pos = p break end
  end
  redis.call('ZADD', members, pos, tid)
  local count = redis.call('HINCRBY', tube, 'count', 1)
  redis.call('HSET', tkey, 'tube', code, 'tube_pos', pos, 'sample_mode', redis.call('HGET', tube, 'mode'))
  local filled = count >= tonumber(redis.call('HGET', tube, 'capacity'))
  if filled then close_tube(base, code, now, 'full') end
  return count, filled
end

-- Record a sample taken by ``owner`` (a station number, or 'h<team>' for a home team):
-- bind it to the owner's open tube, once per person per round. A single-tube resident
-- can never be bound to a pooled tube. Returns nil or an error code; writes only on nil.
local function bind_sample(base, tkey, tid, owner, now)
  local t = redis.call('HMGET', tkey, 'single', 'person', 'round', 'id_number')
  local single, pkey, joined_round = t[1], t[2] or t[4], t[3] or ''
  if not pkey then return 'purged' end  -- a purged record names nobody: it cannot be sampled
  local code = redis.call('HGET', base .. 'open-tubes', owner)
  -- A single-tube resident needs an open single tube, even where the site does not require
  -- tubes: with none recorded, the swab would go into whatever tube the medic holds.
  if single and single ~= '' and not (code and redis.call('HGET', base .. 'tube:' .. code, 'mode') == 'single') then
    return 'single_tube_required'
  end
  -- The sample belongs to the round it is taken in, even for a ticket taken before the
  -- organizer started that round: the record (and its purge) moves with it.
  local round = current_round(base, now)
  -- A station that has worked with tubes this round keeps doing so: after "10 人满，请换管"
  -- a swab taken before the next tube is scanned would be in no record the lab can trace.
  if not code and (redis.call('HGET', base .. 'meta', 'require_tube') == '1'
      or redis.call('SISMEMBER', round_key(base, round, 'tube-owners'), owner) == 1) then
    return 'no_open_tube'
  end
  local bound = round_key(base, round, 'bound')
  if redis.call('HSETNX', bound, pkey, tid) == 0 then return 'already_sampled' end
  if joined_round ~= round then
    if joined_round ~= '' then redis.call('SREM', round_key(base, joined_round, 'tickets'), tid) end
    redis.call('SADD', round_key(base, round, 'tickets'), tid)
    redis.call('HSET', tkey, 'round', round)
  end
  local medic = redis.call('HGET', base .. 'medics', owner) or ''
  redis.call('HSET', tkey, 'medic', medic, 'sampled_by', owner)
  redis.call('ZADD', round_key(base, round, 'samples'), now, tid)
  local counts = round_key(base, round, 'counts')
  redis.call('HINCRBY', counts, 'sampled', 1)
  if code then
    local _, filled = tube_add(base, code, tkey, tid, now)
    redis.call('HINCRBY', counts, redis.call('HGET', tkey, 'sample_mode'), 1)
    if filled then redis.call('HSET', tkey, 'tube_filled', 1) end
  end
  return nil
end
"""
