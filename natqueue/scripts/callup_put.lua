-- Replace the community's call-up: which buildings are called to which site, when.
-- KEYS[1] meta  KEYS[2] idem  ARGV[1] JSON list of slots -> {'ok', ''} | {'replay', ''}
--- @include "community"

local replay = idem_replay(KEYS[2])
if replay then return replay end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'err', 'community_not_found', ''} end
redis.call('SET', BASE .. C.callup, ARGV[1])
remember('')
return {'ok', ''}
