-- Change a site's settings, and add stations (new ones start closed, so they
-- change no estimate until staff open them).
-- KEYS[1] meta  KEYS[2] stations
-- ARGV[1] new station count ('' = unchanged)  ARGV[2..] field, value pairs, then the tail
-- -> {'ok'} | {'err', code, detail}

if redis.call('EXISTS', KEYS[1]) == 0 then return {'err', 'site_not_found', ''} end
if ARGV[1] ~= '' then
  local have = tonumber(redis.call('HGET', KEYS[1], 'stations') or '0')
  local want = tonumber(ARGV[1])
  if want < have then return {'err', 'stations_cannot_shrink', tostring(have)} end
  for n = have + 1, want do redis.call('HSETNX', KEYS[2], n, 'closed') end
  redis.call('HSET', KEYS[1], 'stations', want)
end
if ARGC > 1 then
  local fields = {}
  for i = 2, ARGC do fields[#fields + 1] = ARGV[i] end
  redis.call('HSET', KEYS[1], unpack(fields))
end
return {'ok'}
