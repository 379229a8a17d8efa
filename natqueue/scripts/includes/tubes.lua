-- Tubes: which swab is in which tube, exactly. A station (or a home team 'h<n>') has at
-- most one open tube; the sample that fills a tube closes it.
--- @include "rounds"
--- @include "coverage"

-- Close a tube: it leaves its owner's open slot and keeps its record.
local function close_tube(code, now, why)
  local tube = BASE .. K.tube .. code
  local owner = redis.call('HGET', tube, 'owner')
  redis.call('HSET', tube, 'status', 'closed', 'closed_ms', now, 'closed_why', why)
  if owner and redis.call('HGET', BASE .. K.open_tubes, owner) == code then
    redis.call('HDEL', BASE .. K.open_tubes, owner)
  end
end

-- Put a sample in a tube at its first free position (a sample moved out frees its place,
-- so positions stay within 1..capacity, as on the lab's rack); closes the tube when full.
-- -> count, filled
local function tube_add(code, tkey, tid, now)
  local tube = BASE .. K.tube .. code
  local members = BASE .. K.tube_members .. code
  local pos = redis.call('HINCRBY', tube, 'next', 1)
  local capacity = tonumber(redis.call('HGET', tube, 'capacity'))
  for p = 1, capacity do
    if redis.call('ZCOUNT', members, p, p) == 0 then pos = p break end
  end
  redis.call('ZADD', members, pos, tid)
  local count = redis.call('HINCRBY', tube, 'count', 1)
  redis.call('HSET', tkey, 'tube', code, 'tube_pos', pos, 'sample_mode', redis.call('HGET', tube, 'mode'))
  local filled = count >= tonumber(redis.call('HGET', tube, 'capacity'))
  if filled then close_tube(code, now, 'full') end
  return count, filled
end

-- Record a sample taken by ``owner`` (a station number, or 'h<team>' for a home team):
-- bind it to the owner's open tube, once per person per round. A single-tube resident
-- can never be bound to a pooled tube. Returns nil or an error code; writes only on nil.
local function bind_sample(tkey, tid, owner, now)
  local t = redis.call('HMGET', tkey, 'single', 'person', 'round', 'id_number')
  local single, pkey, joined_round = t[1], t[2] or t[4], t[3] or ''
  if not pkey then return 'purged' end  -- a purged record names nobody: it cannot be sampled
  local code = redis.call('HGET', BASE .. K.open_tubes, owner)
  -- A single-tube resident needs an open single tube, even where the site does not require
  -- tubes: with none recorded, the swab would go into whatever tube the medic holds.
  if single and single ~= '' and not (code and redis.call('HGET', BASE .. K.tube .. code, 'mode') == 'single') then
    return 'single_tube_required'
  end
  -- The sample belongs to the round it is taken in, even for a ticket taken before the
  -- organizer started that round: the record (and its purge) moves with it.
  local round = current_round(now)
  -- A station that has worked with tubes this round keeps doing so: after "10 人满，请换管"
  -- a swab taken before the next tube is scanned would be in no record the lab can trace.
  if not code and (redis.call('HGET', BASE .. K.meta, 'require_tube') == '1'
      or redis.call('SISMEMBER', round_key(round, K.round_tube_owners), owner) == 1) then
    return 'no_open_tube'
  end
  local bound = round_key(round, K.round_bound)
  if redis.call('HSETNX', bound, pkey, tid) == 0 then return 'already_sampled' end
  if joined_round ~= round then
    if joined_round ~= '' then redis.call('SREM', round_key(joined_round, K.round_tickets), tid) end
    redis.call('SADD', round_key(round, K.round_tickets), tid)
    redis.call('HSET', tkey, 'round', round)
  end
  local medic = redis.call('HGET', BASE .. K.medics, owner) or ''
  redis.call('HSET', tkey, 'medic', medic, 'sampled_by', owner)
  redis.call('ZADD', round_key(round, K.round_samples), now, tid)
  local counts = round_key(round, K.round_counts)
  redis.call('HINCRBY', counts, 'sampled', 1)
  if code then
    local _, filled = tube_add(code, tkey, tid, now)
    redis.call('HINCRBY', counts, redis.call('HGET', tkey, 'sample_mode'), 1)
    if filled then redis.call('HSET', tkey, 'tube_filled', 1) end
  end
  coverage_note(string.sub(owner, 1, 1) == 'h' and 'H' or 's', round, tid, pkey, now)
  return nil
end
