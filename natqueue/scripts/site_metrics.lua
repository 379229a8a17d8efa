-- What an operator's scrape reads of one site (natqueue/figures/metrics.py). Read only, and
-- its cost does not grow with the queue: one hash of the day's figures (bounded by the
-- quarter hours, the minutes of the wait histogram and the stations), the queue's length
-- and its first ticket.
-- KEYS[1] meta  KEYS[2] waiting
-- ARGV: the wait histogram's upper bounds in whole minutes, ascending; then the tail
-- -> false (no such site) | {waiting, longest wait so far in ms (-1: nobody waits), joins today,
--    calls today, samples today, sum of today's waits in ms, then one count per bound (waits
--    below it and not below the one before) and the count of waits past the last bound}
--- @include "figures"

if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local now = now_ms()
local day = stats_day(now)
local stats = redis.call('HGETALL', BASE .. K.stats_day .. day)

local bounds, buckets = {}, {}
for i = 1, ARGC do bounds[i] = tonumber(ARGV[i]) end
for i = 1, ARGC + 1 do buckets[i] = 0 end
local joins, calls, samples, waits_sum = 0, 0, 0, 0
for i = 1, #stats, 2 do
  local field, value = stats[i], tonumber(stats[i + 1]) or 0
  local minute = string.match(field, '^h(%d+)$')
  if minute then
    minute = tonumber(minute)
    local b = ARGC + 1
    for j = 1, ARGC do
      if minute < bounds[j] then b = j break end
    end
    buckets[b] = buckets[b] + value
  elseif field == 'waits_n' then calls = value
  elseif field == 'waits_sum' then waits_sum = value
  elseif field == 'samples' then samples = value
  elseif string.match(field, '^q%d+:joins$') then joins = joins + value
  end
end

local longest = -1
local first = redis.call('ZRANGE', KEYS[2], 0, 0)
if #first > 0 then
  local created = tonumber(redis.call('HGET', BASE .. K.ticket .. first[1], 'created_ms') or '')
  if created then longest = math.max(0, now - created) end
end

local answer = {redis.call('ZCARD', KEYS[2]), longest, joins, calls, samples, waits_sum}
for i = 1, #buckets do answer[#answer + 1] = buckets[i] end
return answer
