-- A household's testing pledge (核酸检测承诺书): signed, or the mark taken back.
-- Kept across rounds; counted per unit for coverage.
-- KEYS[1] meta  KEYS[2] idem
-- ARGV[1] household id  ARGV[2] '1' signed, '' not  ARGV[3] by
-- -> {'ok', hid, unit JSON} | {'replay', hid}
--- @include "community"

local replay = idem_replay(KEYS[2])
if replay then return replay end
local hkey = BASE .. C.household .. ARGV[1]
local u = redis.call('HGET', hkey, 'u')
if not u then return {'err', 'household_not_found', ARGV[1]} end
local was = redis.call('HEXISTS', hkey, 'pledged_ms') == 1
local lived = redis.call('SCARD', BASE .. C.members .. ARGV[1]) > 0
if ARGV[2] == '1' and not was then
  redis.call('HSET', hkey, 'pledged_ms', now_ms(), 'pledged_by', ARGV[3])
  if lived then redis.call('HINCRBY', BASE .. C.counts, u .. ':pl', 1) end
elseif ARGV[2] ~= '1' and was then
  redis.call('HDEL', hkey, 'pledged_ms', 'pledged_by')
  if lived then redis.call('HINCRBY', BASE .. C.counts, u .. ':pl', -1) end
end
remember(ARGV[1])
return {'ok', ARGV[1], redis.call('HGET', BASE .. C.units, u)}
