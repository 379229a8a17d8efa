-- Open a tube for a station (or a home team 'h<n>').
-- KEYS[1] idem  KEYS[2] waiting  KEYS[3] events
-- KEYS[4] the tube code -> site hash of every site (keys.TUBE_SITES_KEY)
-- ARGV[1] owner  ARGV[2] tube code  ARGV[3] mode ('' = the station's mode)  ARGV[4] site id, then the tail
-- -> {'ok', code, event_id, event_json} | {'replay', code} | {'err', code, detail}
--- @include "flow"
--- @include "rounds"

local replay = idem_replay(KEYS[1])
if replay then return replay end
local now = now_ms()
local owner, code = ARGV[1], ARGV[2]
local open = redis.call('HGET', BASE .. K.open_tubes, owner)
if open then return {'err', 'tube_already_open', open} end
local mode = ARGV[3]
if mode == '' then
  mode = redis.call('HGET', BASE .. K.modes, owner) == 'single' and 'single' or 'pooled'
end
local round = current_round(now)
-- A tube code is used once, ever: a second scan of a used tube is refused, here or at
-- another site (the lab knows a tube by its code alone).
local elsewhere = redis.call('HGET', KEYS[4], code)
if elsewhere and elsewhere ~= ARGV[4] then return {'err', 'tube_used_elsewhere', code} end
if redis.call('HSETNX', BASE .. K.tubes, code, round) == 0 then return {'err', 'tube_used', code} end
redis.call('HSET', KEYS[4], code, ARGV[4])
local capacity = 1
if mode == 'pooled' then
  capacity = tonumber(redis.call('HGET', BASE .. K.meta, 'tube_capacity') or '') or D.tube_capacity
end
redis.call('HSET', BASE .. K.tube .. code, 'code', code, 'round', round, 'owner', owner, 'mode', mode,
  'capacity', capacity, 'count', 0, 'next', 0, 'status', 'open', 'opened_ms', now)
redis.call('HSET', BASE .. K.open_tubes, owner, code)
redis.call('ZADD', round_key(round, K.round_tubes), now, code)
redis.call('HINCRBY', round_key(round, K.round_counts), 'tubes', 1)
-- From now on this round, this station (or team) samples into tubes only: see bind_sample.
redis.call('SADD', round_key(round, K.round_tube_owners), owner)
return done(code, {type = 'tube_opened', owner = owner, tube = code, mode = mode, capacity = capacity}, now)
