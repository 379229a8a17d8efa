-- Lanes: every waiting ticket is in the site's waiting set (scored by join sequence) and
-- in exactly one lane set, scored the same: lane:p / lane:r (priority / regular, pooled
-- tubes) and lane:sp / lane:sr (the same for residents who must be tested alone, called
-- only by single-tube stations). A lane group is '' (pooled) or 's' (single).

local function lane_key(lane) return BASE .. K.lane .. lane end
local function lane_group(lane) if lane == 'sp' or lane == 'sr' then return 's' end return '' end
local function lane_is_priority(lane) return lane == 'p' or lane == 'sp' end

-- People ahead of a waiting ticket, cheap and stable (see docs/api.md): a regular
-- ticket counts every waiting ticket of its group that joined earlier; a priority
-- ticket counts only the earlier priority tickets of its group.
local function lane_ahead(lane, score)
  local group = lane_group(lane)
  local n = redis.call('ZCOUNT', lane_key(group .. 'p'), '-inf', '(' .. score)
  if not lane_is_priority(lane) then
    n = n + redis.call('ZCOUNT', lane_key(group .. 'r'), '-inf', '(' .. score)
  end
  return n
end

-- Take a waiting ticket out of its lane (and out of the declared-priority list).
local function leave_lane(tkey, tid)
  local lane = redis.call('HGET', tkey, 'lane')
  if lane then redis.call('ZREM', lane_key(lane), tid) end
  redis.call('ZREM', BASE .. K.declared, tid)
  return lane or 'r'
end

-- Which lane of ``group`` ('' pooled, 's' single) the next call takes, honouring the
-- site's ratio: while both lanes wait, P priority calls then R regular ones; priority
-- goes first whenever the regular run is complete. Returns the lane key or nil.
local function choose_lane(group)
  local pk, rk = lane_key(group .. 'p'), lane_key(group .. 'r')
  local np, nr = redis.call('ZCARD', pk), redis.call('ZCARD', rk)
  if np == 0 and nr == 0 then return nil end
  local ratio = redis.call('HMGET', BASE .. K.meta, 'priority_ratio_p', 'priority_ratio_r')
  local P, R = tonumber(ratio[1]) or 1, tonumber(ratio[2]) or 2
  local state = BASE .. K.lanes_state
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
