-- Close a round: only when every roster person is tested or exempt, unless forced with a reason.
-- KEYS[1] meta  KEYS[2] idem
-- ARGV[1] round  ARGV[2] '1' to force  ARGV[3] JSON {reason, by}
-- -> {'ok', round, record JSON, left JSON} | {'replay', round}
--    | {'err', 'not_accounted', JSON list of {unit, untested, home}}
--- @include "community"

local replay = idem_replay(KEYS[2])
if replay then return replay end
local n = ARGV[1]
local raw = redis.call('HGET', BASE .. C.rounds, n)
if not raw then return {'err', 'round_not_found', n} end
local record = cjson.decode(raw)
if record.closed_ms then return {'err', 'round_closed', n} end
local flat = redis.call('HGETALL', community_key(n, C.round_counts))
local per = {}
for i = 1, #flat, 2 do
  local u, s = string.match(flat[i], '^(%d+):(%a)$')
  if u then
    per[u] = per[u] or {n = 0, t = 0, e = 0, h = 0}
    per[u][s] = tonumber(flat[i + 1])
  end
end
local left, untested, home = {}, 0, 0
for u, c in pairs(per) do
  local un = c.n - c.t - c.e - c.h
  if un + c.h > 0 then
    left[#left + 1] = {unit = cjson.decode(redis.call('HGET', BASE .. C.units, u)), untested = un, home = c.h}
    untested, home = untested + un, home + c.h
  end
end
if #left > 0 and ARGV[2] ~= '1' then return {'err', 'not_accounted', cjson.encode(left)} end
local why = cjson.decode(ARGV[3])
record.closed_ms = now_ms()
record.forced = #left > 0
record.reason = why.reason
record.closed_by = why.by
record.left = {untested = untested, home = home}
redis.call('HSET', BASE .. C.rounds, n, cjson.encode(record))
remember(n)
return {'ok', n, cjson.encode(record)}
