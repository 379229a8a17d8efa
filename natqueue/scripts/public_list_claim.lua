-- The public list of sites as stored, and whether the caller is the one to compute it afresh:
-- it is older than the window and no process took that turn within the window. So the
-- district's processes compute it once per window between them, not once each. A clock that
-- went back (a test's) counts as stale.
-- KEYS[1] the list (hash: at, json)  KEYS[2] the last turn taken (ms)
-- ARGV[1] window (ms), then the tail
-- -> {json | false, 1 if the caller computes it now (then PUBLIC_LIST_PUT) | 0}

local now, window = now_ms(), tonumber(ARGV[1])
local stored = redis.call('HMGET', KEYS[1], 'at', 'json')
local function old(at)
  at = tonumber(at)
  return at == nil or now - at >= window or now < at
end
if old(stored[1]) and old(redis.call('GET', KEYS[2])) then
  redis.call('SET', KEYS[2], now)
  return {stored[2] or false, 1}
end
return {stored[2] or false, 0}
