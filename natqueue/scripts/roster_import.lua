-- Merge one chunk of a roster import, by person key (document type and number): a new person
-- is added, a known one gets what changed (name, phone, flags, or their household: a move).
-- The current round's counts follow: people per unit, and each person's status where they live.
-- KEYS[1] meta  KEYS[2] idem (one per chunk)
-- ARGV[1] JSON list of {k person key, d doc type, i number, n name, ph phone, f flags,
--   c compound, b building, un unit, r room, uk unit key, hk household key}
-- -> {'ok', added, updated, unchanged} | {'replay', 'added:updated:unchanged'}
--- @include "coverage_status"

local replay = idem_replay(KEYS[2])
if replay then
  if replay[1] ~= 'replay' then return replay end
  local a, u, s = string.match(replay[2], '^(%d+):(%d+):(%d+)$')
  return {'ok', tonumber(a), tonumber(u), tonumber(s)}
end
local n = community_round()
local now = now_ms()
local counts, persistent = community_key(n, C.round_counts), BASE .. C.counts

local function unit_of(row)
  local u = redis.call('HGET', BASE .. C.unit_keys, row.uk)
  if not u then
    u = tostring(redis.call('HINCRBY', KEYS[1], 'seq_u', 1))
    redis.call('HSET', BASE .. C.unit_keys, row.uk, u)
    redis.call('HSET', BASE .. C.units, u, cjson.encode({row.c, row.b, row.un}))
  end
  return u
end

local function household_of(row, u)
  local hid = redis.call('HGET', BASE .. C.household_keys, row.hk)
  if not hid then
    hid = 'h' .. redis.call('HINCRBY', KEYS[1], 'seq_h', 1)
    redis.call('HSET', BASE .. C.household_keys, row.hk, hid)
    redis.call('HSET', BASE .. C.household .. hid, 'hid', hid, 'compound', row.c, 'building', row.b, 'unit', row.un,
      'room', row.r, 'u', u)
  end
  return hid
end

-- A person counted into a household and its unit (delta 1), or out of it (delta -1).
local function count_in(pid, pkey, hid, u, delta)
  local members = BASE .. C.members .. hid
  if delta > 0 then redis.call('SADD', members, pid) else redis.call('SREM', members, pid) end
  local size = redis.call('SCARD', members)
  if (delta > 0 and size == 1) or (delta < 0 and size == 0) then
    redis.call('HINCRBY', persistent, u .. ':hh', delta)
    if delta > 0 then redis.call('SADD', BASE .. C.unit_households .. u, hid) else redis.call('SREM', BASE .. C.unit_households .. u, hid) end
    if redis.call('HEXISTS', BASE .. C.household .. hid, 'pledged_ms') == 1 then
      redis.call('HINCRBY', persistent, u .. ':pl', delta)
    end
  end
  redis.call('HINCRBY', counts, u .. ':n', delta)
  local st = status_of(n, pkey, pid)
  if st ~= 'u' then redis.call('HINCRBY', counts, u .. ':' .. st, delta) end
end

local added, updated, unchanged = 0, 0, 0
for _, row in ipairs(cjson.decode(ARGV[1])) do
  local u = unit_of(row)
  local hid = household_of(row, u)
  local pid = redis.call('HGET', BASE .. C.person_keys, row.k)
  if not pid then
    pid = 'p' .. redis.call('HINCRBY', KEYS[1], 'seq_p', 1)
    redis.call('HSET', BASE .. C.person_keys, row.k, pid)
    redis.call('HSET', BASE .. C.person .. pid, 'pid', pid, 'pkey', row.k, 'doc_type', row.d, 'id_number', row.i,
      'name', row.n, 'phone', row.ph, 'flags', row.f, 'hid', hid, 'u', u)
    -- Sampled before the roster named them: counted unlisted until now.
    if tonumber(redis.call('HGET', community_key(n, C.round_tested), row.k) or '0') > 0 then
      redis.call('HINCRBY', counts, 'unlisted', -1)
      timeline_add(n, 't', now, 1)
    end
    count_in(pid, row.k, hid, u, 1)
    added = added + 1
  else
    local pkey_ = BASE .. C.person .. pid
    local old = redis.call('HMGET', pkey_, 'name', 'phone', 'flags', 'hid', 'u')
    local changed = false
    if old[1] ~= row.n or old[2] ~= row.ph or old[3] ~= row.f then
      redis.call('HSET', pkey_, 'name', row.n, 'phone', row.ph, 'flags', row.f)
      changed = true
    end
    if old[4] ~= hid then
      count_in(pid, row.k, old[4], old[5], -1)
      redis.call('HSET', pkey_, 'hid', hid, 'u', u)
      count_in(pid, row.k, hid, u, 1)
      changed = true
    end
    if changed then updated = updated + 1 else unchanged = unchanged + 1 end
  end
end
remember(added .. ':' .. updated .. ':' .. unchanged)
return {'ok', added, updated, unchanged}
