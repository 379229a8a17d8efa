-- Fixed-window counters that bound how often something happens (joins per client address
-- and per site): checked and counted in the same script as the change they bound, so
-- requests sent at once cannot slip past them.

-- Seconds until the first of {key, limit} pairs that is at its limit frees up; nil when none
-- is (a limit of 0 is no limit).
local function rate_refused(pairs)
  for _, pair in ipairs(pairs) do
    local limit = tonumber(pair[2])
    if limit > 0 and tonumber(redis.call('GET', pair[1]) or 0) >= limit then
      return math.max(redis.call('TTL', pair[1]), 1)
    end
  end
  return nil
end

-- Count one more in ``key``; its window starts with its first count.
local function rate_count(key, window_s)
  if redis.call('INCR', key) == 1 then redis.call('EXPIRE', key, window_s) end
end
