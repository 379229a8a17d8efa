-- Who a station will call next, in the order call_next.lua will pick them: its group's
-- lanes (pooled or single) interleaved by the site's priority ratio, through the same
-- lane_step. Read only: the run is played forward on copies, never written.
-- KEYS: none (the lanes, the ratio and the run are the site's, under BASE)
-- ARGV[1] station  ARGV[2] how many, then the tail
-- -> ticket ids, in calling order | nil when a pooled station's lanes are empty (tickets
--    queued before lanes existed wait in the waiting set alone, in order)
--- @include "lanes"

local group = (redis.call('HGET', BASE .. K.modes, ARGV[1]) == 'single') and 's' or ''
local count = tonumber(ARGV[2])
local priority = redis.call('ZRANGE', lane_key(group .. 'p'), 0, count - 1)
local regular = redis.call('ZRANGE', lane_key(group .. 'r'), 0, count - 1)
local P, R, ps, rs = lane_run(group)
local found, i, j = {}, 1, 1
while #found < count and (priority[i] or regular[j]) do
  local lane
  lane, ps, rs = lane_step(priority[i] ~= nil, regular[j] ~= nil, P, R, ps, rs)
  if lane == 'p' then
    found[#found + 1], i = priority[i], i + 1
  else
    found[#found + 1], j = regular[j], j + 1
  end
end
if #found == 0 and group == '' then return false end
return found
