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

-- The site's ratio and the current run of ``group``: while both lanes wait, P priority
-- calls then R regular ones; ps and rs count the calls of each in the run so far.
local function lane_run(group)
  local ratio = redis.call('HMGET', BASE .. K.meta, 'priority_ratio_p', 'priority_ratio_r')
  local run = redis.call('HMGET', BASE .. K.lanes_state, group .. 'p', group .. 'r')
  return tonumber(ratio[1]) or D.priority_ratio_p, tonumber(ratio[2]) or D.priority_ratio_r,
    tonumber(run[1] or '0'), tonumber(run[2] or '0')
end

-- One call by the ratio, given which lanes have someone waiting: the lane it takes ('p' or
-- 'r') and the run after it. Priority goes first whenever the regular run is complete.
local function lane_step(has_p, has_r, P, R, ps, rs)
  if has_p and (not has_r or ps < P) then return 'p', math.min(ps + 1, P), 0 end
  if not has_p or rs + 1 >= R then return 'r', 0, 0 end
  return 'r', ps, rs + 1
end

-- Which lane of ``group`` ('' pooled, 's' single) the next call takes, and the run recorded.
-- Returns the lane key, or nil when both lanes are empty.
local function choose_lane(group)
  local pk, rk = lane_key(group .. 'p'), lane_key(group .. 'r')
  local np, nr = redis.call('ZCARD', pk), redis.call('ZCARD', rk)
  if np == 0 and nr == 0 then return nil end
  local P, R, ps, rs = lane_run(group)
  local lane
  lane, ps, rs = lane_step(np > 0, nr > 0, P, R, ps, rs)
  redis.call('HSET', BASE .. K.lanes_state, group .. 'p', ps, group .. 'r', rs)
  if lane == 'p' then return pk end
  return rk
end
