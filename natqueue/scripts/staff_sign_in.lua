-- Check a staff code and count it when wrong, in one step: read-then-count in two steps let
-- 300 wrong codes sent at once get 94 checked against a limit of 10. Wrong codes are counted
-- per client address (a stranger's tries lock out that stranger) and per site (a guess spread
-- over many addresses still stops); each counter lives for the window from its latest wrong
-- code. Nothing is claimed by request id: an attempt is an attempt, and a retried one counts.
-- KEYS[1] meta  KEYS[2] the site's wrong codes  KEYS[3] the client address's wrong codes
-- ARGV[1] hash of the code offered  ARGV[2] site limit  ARGV[3] address limit  ARGV[4] window (s),
--   then the tail
-- -> {'ok', staff version} | {'err', 'site_not_found' | 'too_many_attempts' | 'wrong_code', ''}

local found = redis.call('HMGET', KEYS[1], 'staff_code_hash', 'staff_version')
if not found[1] then return {'err', 'site_not_found', ''} end
if tonumber(redis.call('GET', KEYS[3]) or 0) >= tonumber(ARGV[3])
    or tonumber(redis.call('GET', KEYS[2]) or 0) >= tonumber(ARGV[2]) then
  return {'err', 'too_many_attempts', ''}
end
if found[1] ~= ARGV[1] then
  for i = 2, 3 do
    redis.call('INCR', KEYS[i])
    redis.call('EXPIRE', KEYS[i], ARGV[4])
  end
  return {'err', 'wrong_code', ''}
end
redis.call('DEL', KEYS[3])  -- the address's typos are forgiven once its code is right
return {'ok', found[2]}
