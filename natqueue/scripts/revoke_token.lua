-- Revoke one staff token (a staff sign-out): its id is kept until the token would have
-- expired anyway, and ids past that are dropped on the way.
-- KEYS[1] idem  KEYS[2] revoked tokens (sorted set: token id -> until, ms)
-- ARGV[1] token id  ARGV[2] until (ms), then the tail
-- -> {'ok', token id} | {'replay', token id} | {'err', code, detail}

local replay = idem_replay(KEYS[1])
if replay then return replay end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now_ms())
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
idem_claim(KEYS[1], ARGV[1])
return {'ok', ARGV[1]}
