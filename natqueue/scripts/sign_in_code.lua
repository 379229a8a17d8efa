-- Check a sign-in code (a site's staff code, a community's sweep code) and count it when
-- wrong, in one step: read-then-count in two steps let 300 wrong codes sent at once get 94
-- checked against a limit of 10. Wrong codes are counted per client address (a stranger's
-- tries lock out that stranger) and per site or community (a guess spread over many
-- addresses still stops); each counter lives for the window from its latest wrong code.
-- Nothing is claimed by request id: an attempt is an attempt, and a retried one counts.
-- KEYS[1] meta  KEYS[2] the wrong codes there  KEYS[3] the client address's wrong codes there
-- ARGV[1] hash of the code offered  ARGV[2] limit there  ARGV[3] limit per address
-- ARGV[4] window (s)  ARGV[5] the meta field of the code's hash  ARGV[6] of its version,
--   then the tail
-- -> {'ok', version} | {'err', 'not_found' | 'too_many_attempts' | 'wrong_code', ''}

if redis.call('EXISTS', KEYS[1]) == 0 then return {'err', 'not_found', ''} end
local found = redis.call('HMGET', KEYS[1], ARGV[5], ARGV[6])
if not found[2] then return {'err', 'wrong_code', ''} end  -- no code given out yet
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
