-- The prelude: the opening of every script. The loader puts two tables before it: K,
-- every key name of a site (natqueue/keys.py SITE_KEYS), so a script writes
-- BASE .. K.open_tubes and never spells a key's name itself; and D, the defaults of the
-- settings a script reads (natqueue/sites/settings.py script_defaults), so a script
-- writes "or D.tube_capacity" and never repeats a default.
--
-- Every script's ARGV ends with the same tail (Backend.tail): idem ttl (s), stream
-- maxlen, sampling history kept (ms), the site's base key, pace window (ms), default
-- seconds per person, min samples for a measured pace, a fixed clock in ms
-- ('' = Redis TIME; tests pass one so no test sleeps), and the fingerprint of the request
-- being served ('' outside one). ARGC counts the script's own ARGV.
local N = #ARGV
local ARGC = N - 9
local IDEM_TTL, MAXLEN, HISTORY_MS = ARGV[N - 8], ARGV[N - 7], tonumber(ARGV[N - 6])
-- The site's own key prefix ('nq:{site}:'): every key a script builds starts with it,
-- so all of a site's keys stay in its hash slot.
local BASE, WINDOW_MS = ARGV[N - 5], tonumber(ARGV[N - 4])
local DEFAULT_S, MIN_SAMPLES, FIXED_NOW = tonumber(ARGV[N - 3]), tonumber(ARGV[N - 2]), ARGV[N - 1]
local REQUEST_FP = ARGV[N]

-- Idempotency. A state-changing script first looks its request id up: claimed, it answers
-- {'replay', result} instead of acting twice. The claim holds the fingerprint of the request
-- that made it (a hash of its endpoint and body): a key sent again with another body, or to
-- another endpoint, is refused whole (idempotency_key_reused) and learns nothing of the first.
local function idem_replay(key)
  local claimed = redis.call('GET', key)
  if not claimed then return nil end
  local fp, result = string.match(claimed, '^(%x*)|(.*)$')
  if not fp then return {'replay', claimed} end  -- claimed before claims held a fingerprint
  if fp ~= REQUEST_FP then return {'err', 'idempotency_key_reused', ''} end
  return {'replay', result}
end

-- Claim the request id with the change's result, for IDEM_TTL seconds.
local function idem_claim(key, result)
  redis.call('SET', key, REQUEST_FP .. '|' .. result, 'EX', IDEM_TTL)
end

local function now_ms()
  if FIXED_NOW ~= '' then return tonumber(FIXED_NOW) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Append a site event; returns its id and its JSON, which the app broadcasts as is.
local function emit(events_key, event)
  local json = cjson.encode(event)
  return redis.call('XADD', events_key, 'MAXLEN', '~', MAXLEN, '*', 'e', json), json
end

local function last_event_id(events_key)
  local last = redis.call('XREVRANGE', events_key, '+', '-', 'COUNT', 1)
  if #last > 0 then return last[1][1] end
  return '0-0'
end
