-- Store the public list of sites just computed, stamped with the time it was stored.
-- KEYS[1] the list (hash: at, json)
-- ARGV[1] the list's JSON, then the tail
-- -> the stamp (ms)

local now = now_ms()
redis.call('HSET', KEYS[1], 'at', now, 'json', ARGV[1])
return now
