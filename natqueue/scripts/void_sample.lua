-- Void a sample, keeping it in the record with its reason. The swab stays where it is
-- (a trace still lists it); the person may be sampled again in this round.
-- KEYS[1] idem  KEYS[2] waiting  KEYS[3] events
-- ARGV[1] ticket key  ARGV[2] reason  ARGV[3] who, then the tail
-- -> {'ok', ticket id, event_id, event_json[, coverage note]} | {'replay', ticket id} | {'err', code, detail}
--- @include "flow"
--- @include "rounds"

local replay = idem_replay(KEYS[1])
if replay then return replay end
local now = now_ms()
local tkey = ARGV[1]
local t = redis.call('HMGET', tkey, 'id', 'status', 'voided_ms', 'person', 'id_number', 'round')
if not t[1] then return {'err', 'ticket_not_found', ''} end
if t[2] ~= 'sampled' then return {'err', 'invalid_transition', t[2]} end
if t[3] then return {'err', 'already_voided', ''} end
redis.call('HSET', tkey, 'voided_ms', now, 'void_reason', ARGV[2], 'voided_by', ARGV[3])
local bound = round_key(t[6] or '', K.round_bound)
if redis.call('HGET', bound, t[4] or t[5]) == t[1] then redis.call('HDEL', bound, t[4] or t[5]) end
redis.call('HINCRBY', round_key(t[6] or '', K.round_counts), 'voided', 1)
coverage_note('v', t[6] or '', t[1], t[4] or t[5], now)
return done(t[1], {type = 'voided', number = redis.call('HGET', tkey, 'number')}, now)
