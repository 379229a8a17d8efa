-- A person's status in a round, from what the round holds about their person key:
-- tested (a sample not voided, at any member site) before exempt (a reason recorded)
-- before home (on a site's home-sampling list) before untested.
--- @include "community"

local function status_of(n, pkey, pid)
  if tonumber(redis.call('HGET', community_key(n, C.round_tested), pkey) or '0') > 0 then return 't' end
  if pid and redis.call('HEXISTS', community_key(n, C.round_exempt), pid) == 1 then return 'e' end
  if tonumber(redis.call('HGET', community_key(n, C.round_home), pkey) or '0') > 0 then return 'h' end
  return 'u'
end

-- Note at its minute that one person became (delta 1) or stopped being (-1) tested ('t') or
-- exempt ('e'): the morning's chart is the running sum of these notes.
local function timeline_add(n, s, ts, delta)
  redis.call('HINCRBY', community_key(n, C.round_timeline), s .. ':' .. math.floor(ts / 60000), delta)
end

-- Move one person's count between statuses in their unit (untested is what is left of the
-- unit's people), and note the minute they became, or stopped being, tested or exempt:
-- the morning's chart is the running sum of those notes.
local function count_move(n, u, before, after, ts)
  if before == after then return false end
  local counts = community_key(n, C.round_counts)
  if before ~= 'u' then redis.call('HINCRBY', counts, u .. ':' .. before, -1) end
  if after ~= 'u' then redis.call('HINCRBY', counts, u .. ':' .. after, 1) end
  for _, s in ipairs({'t', 'e'}) do
    if before == s then timeline_add(n, s, ts, -1) end
    if after == s then timeline_add(n, s, ts, 1) end
  end
  return true
end
