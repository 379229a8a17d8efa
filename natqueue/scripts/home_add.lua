-- Put a resident who cannot come on the home-sampling list.
-- KEYS[1] idem  KEYS[2] waiting  KEYS[3] events
-- ARGV[1] ticket key prefix  ARGV[2] JSON {id, token, name, phone, doc_type, id_number, person,
--   single, address, reason}, then the tail
-- -> {'ok', ticket id, event_id, event_json[, coverage note]} | {'replay', ticket id} | {'err', code, detail}
--- @include "flow"
--- @include "rounds"

local replay = idem_replay(KEYS[1])
if replay then return replay end
local now = now_ms()
local p = cjson.decode(ARGV[2])
local holder = redis.call('HGET', BASE .. K.live_ids, p.person)
if holder then return {'err', 'already_queued', redis.call('HGET', ARGV[1] .. holder, 'number') or ''} end
local round = current_round(now)
local seq = redis.call('INCR', BASE .. K.home_seq)
local number = 'H' .. string.format('%03d', seq)
local tkey = ARGV[1] .. p.id
redis.call('HSET', tkey, 'id', p.id, 'token', p.token, 'number', number, 'seq', seq, 'score', seq,
  'status', 'home', 'name', p.name, 'phone', p.phone, 'id_number', p.id_number, 'doc_type', p.doc_type,
  'person', p.person, 'address', p.address, 'home_reason', p.reason, 'created_ms', now, 'round', round)
if p.single ~= '' then redis.call('HSET', tkey, 'single', p.single) end
redis.call('ZADD', BASE .. K.home, seq, p.id)
redis.call('HSET', BASE .. K.live_ids, p.person, p.id)
redis.call('SADD', round_key(round, K.round_tickets), p.id)
redis.call('HINCRBY', round_key(round, K.round_counts), 'home', 1)
coverage_note('h', round, p.id, p.person, now)
return done(p.id, {type = 'home_added', number = number}, now)
