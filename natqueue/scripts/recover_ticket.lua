-- Give a live ticket back to a phone that proves it is its person's: the document number
-- and the phone number given at the join (a resident who closed the page, or whose phone
-- died). The ticket gets a new holder token, so the token it had (the old page, a link
-- forwarded with it) can no longer change it. One answer for every refusal, whether the
-- ID is queued or not, so nothing tells a stranger who is in the queue.
-- KEYS[1] live_ids  KEYS[2] idem (named for the pair asked about)
-- ARGV[1] person key (documents.person_key)  ARGV[2] phone, as a join stores it
-- ARGV[3] the new token, then the tail
-- -> {'ok', ticket_id} | {'replay', ticket_id} | {'err', 'not_found', ''}

local replay = idem_replay(KEYS[2])
if replay and replay[1] == 'replay' and replay[2] == '' then return {'err', 'not_found', ''} end
if replay then return replay end
local tid = redis.call('HGET', KEYS[1], ARGV[1])
local found = tid and redis.call('HMGET', BASE .. K.ticket .. tid, 'phone', 'status')
if not found or found[1] ~= ARGV[2] or (found[2] ~= 'waiting' and found[2] ~= 'called') then
  idem_claim(KEYS[2], '')  -- a retry gets the same answer, counted once
  return {'err', 'not_found', ''}
end
redis.call('HSET', BASE .. K.ticket .. tid, 'token', ARGV[3], 'recovered_ms', now_ms())
idem_claim(KEYS[2], tid)
return {'ok', tid}
