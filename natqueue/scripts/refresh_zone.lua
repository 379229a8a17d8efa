-- Write a site's zone offsets afresh (every app start), unless its zone changed meanwhile;
-- drop the single offset sites kept before (tz_offset_ms).
-- KEYS[1] meta
-- ARGV[1] the zone the offsets are of  ARGV[2] its offsets ('from_ms:offset_ms,...'), then the tail
-- -> 1 | 0 (no such site, or its zone is another one now)

if redis.call('HGET', KEYS[1], 'timezone') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'tz_offsets', ARGV[2])
redis.call('HDEL', KEYS[1], 'tz_offset_ms')
return 1
