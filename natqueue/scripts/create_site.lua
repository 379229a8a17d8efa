-- Create a site with its stations, all open, unless the id is taken.
-- KEYS[1] meta  KEYS[2] stations  KEYS[3] the set of all sites
-- ARGV[1] site id  ARGV[2] station count  ARGV[3..] meta field/value pairs
-- -> 1 | 0 (the id is taken)

if redis.call('SADD', KEYS[3], ARGV[1]) == 0 then return 0 end
local fields = {}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
for n = 1, tonumber(ARGV[2]) do redis.call('HSET', KEYS[2], n, 'open') end
return 1
