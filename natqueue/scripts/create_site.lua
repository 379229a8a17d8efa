-- Create a site with its stations, all open, unless the id is taken.
-- KEYS[1] meta  KEYS[2] stations  KEYS[3] the set of all sites (keys.SITES_KEY)
-- ARGV[1] site id  ARGV[2] station count  ARGV[3..] meta field/value pairs, then the tail
-- -> {'ok'} | {'err', 'site_exists', site id}

if redis.call('SADD', KEYS[3], ARGV[1]) == 0 then return {'err', 'site_exists', ARGV[1]} end
local fields = {}
for i = 3, ARGC do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
for n = 1, tonumber(ARGV[2]) do redis.call('HSET', KEYS[2], n, 'open') end
return {'ok'}
