-- Give a live ticket back to a phone that proves it is its person's: the document number
-- and the phone number given at the join (a resident who closed the page, or whose phone
-- died). The ticket gets a new holder token, so the token it had (the old page, a link
-- forwarded with it) can no longer change it. One answer for every refusal, whether the
-- ID is queued or not, so nothing tells a stranger who is in the queue.
-- Pairs that match nothing are counted per client address and checked against the limit in
-- this same script, so pairs sent at once cannot slip past it (read-then-count could).
-- KEYS[1] live_ids  KEYS[2] idem (named for the pair asked about)  KEYS[3] the client's misses
-- ARGV[1] person key (documents.person_key)  ARGV[2] phone, as a join stores it
-- ARGV[3] the new token  ARGV[4] misses allowed  ARGV[5] their window (s), then the tail
-- -> {'ok', ticket_id} | {'replay', ticket_id} | {'err', 'not_found' | 'too_many_attempts', ''}
--- @include "rate"

local replay = idem_replay(KEYS[2])
if replay and replay[1] == 'replay' and replay[2] == '' then return {'err', 'not_found', ''} end
if replay then return replay end
if rate_refused({{KEYS[3], ARGV[4]}}) then return {'err', 'too_many_attempts', ''} end
local tid = redis.call('HGET', KEYS[1], ARGV[1])
local found = tid and redis.call('HMGET', BASE .. K.ticket .. tid, 'phone', 'status')
if not found or found[1] ~= ARGV[2] or (found[2] ~= 'waiting' and found[2] ~= 'called') then
  idem_claim(KEYS[2], '')  -- a retry gets the same answer, counted once
  redis.call('INCR', KEYS[3])
  redis.call('EXPIRE', KEYS[3], ARGV[5])  -- the lock-out runs from the latest miss
  return {'err', 'not_found', ''}
end
redis.call('HSET', BASE .. K.ticket .. tid, 'token', ARGV[3], 'recovered_ms', now_ms())
idem_claim(KEYS[2], tid)
return {'ok', tid}
