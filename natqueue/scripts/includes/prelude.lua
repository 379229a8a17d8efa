-- The prelude: the opening of every script. The loader puts two tables before it: K,
-- every key name of a site (natqueue/keys.py SITE_KEYS), so a script writes
-- BASE .. K.open_tubes and never spells a key's name itself; and D, the defaults of the
-- settings a script reads (natqueue/sites/settings.py script_defaults), so a script
-- writes "or D.tube_capacity" and never repeats a default.
--
-- Every script's ARGV ends with the same tail (Backend.tail): idem ttl (s), stream
-- maxlen, sampling history kept (ms), the site's base key, pace window (ms), default
-- seconds per person, min samples for a measured pace, and a fixed clock in ms
-- ('' = Redis TIME; tests pass one so no test sleeps). ARGC counts the script's own ARGV.
local N = #ARGV
local ARGC = N - 8
local IDEM_TTL, MAXLEN, HISTORY_MS = ARGV[N - 7], ARGV[N - 6], tonumber(ARGV[N - 5])
-- The site's own key prefix ('nq:{site}:'): every key a script builds starts with it,
-- so all of a site's keys stay in its hash slot.
local BASE, WINDOW_MS = ARGV[N - 4], tonumber(ARGV[N - 3])
local DEFAULT_S, MIN_SAMPLES, FIXED_NOW = tonumber(ARGV[N - 2]), tonumber(ARGV[N - 1]), ARGV[N]

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
