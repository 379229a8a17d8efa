-- Join the queue: one person, or a household on one phone (all tickets or none).
-- KEYS[1] meta  KEYS[2] stations  KEYS[3] waiting  KEYS[4] live_ids  KEYS[5] seq
-- KEYS[6] events  KEYS[7] idem  KEYS[8] the site's join counter  KEYS[9] the client address's
-- ARGV[1] ticket key prefix  ARGV[2] household id ('' for one person)  ARGV[3] walk-in ('1' or '')
-- ARGV[4] JSON list of people: {id, token, name, phone, doc_type, id_number, person, lane,
--   priority, single, declared}
-- ARGV[5] joins per address (0: no limit, staff's walk-ins)  ARGV[6] its window (s)
-- ARGV[7] joins per site (0: no limit)  ARGV[8] its window (s), then the tail
-- -> {'ok', ticket ids, event_id, event_json, {ticket flat, ahead} per person, last event id,
--     pooled pace, single pace} | {'replay', first ticket id}
--    | {'err', code, detail} ('too_many_joins': detail is the seconds to wait)
--- @include "lanes"
--- @include "rounds"
--- @include "pace"
--- @include "figures"
--- @include "rate"

-- A001..A999, B001.. : a letter per 999 tickets, so numbers stay short to read aloud.
local function ticket_number(seq)
  local block = math.floor((seq - 1) / 999) % 26
  return string.char(65 + block) .. string.format('%03d', (seq - 1) % 999 + 1)
end

local replay = idem_replay(KEYS[7])
if replay then return replay end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'err', 'site_not_found', ''} end
local any_open = false
for _, s in ipairs(redis.call('HVALS', KEYS[2])) do
  if s ~= 'closed' then any_open = true end
end
if not any_open then return {'err', 'site_closed', ''} end
-- A script must not fill the queue: every attempt past this point counts, a refused one too
-- (asking again and again whether an ID is queued is an attempt); a replay does not.
local wait_s = rate_refused({{KEYS[9], ARGV[5]}, {KEYS[8], ARGV[7]}})
if wait_s then return {'err', 'too_many_joins', tostring(wait_s)} end
if tonumber(ARGV[5]) > 0 then rate_count(KEYS[9], ARGV[6]) end
if tonumber(ARGV[7]) > 0 then rate_count(KEYS[8], ARGV[8]) end
local people = cjson.decode(ARGV[4])
-- Someone already queued: say so, but give their ticket number only to whoever gives the
-- phone it joined with (the holder who lost the page) or to staff (a walk-in): anyone else
-- would learn when a stranger is called.
for i, p in ipairs(people) do
  local holder = redis.call('HGET', KEYS[4], p.person)
  if holder then
    local held = redis.call('HMGET', ARGV[1] .. holder, 'number', 'phone')
    local number = ''
    if ARGV[3] == '1' or (p.phone ~= '' and p.phone == held[2]) then number = held[1] or '' end
    return {'err', 'already_queued', number .. '@' .. (i - 1)}
  end
end
local now = now_ms()
local round = current_round(now)  -- every record belongs to a round
local ids, first_seq, also = {}, nil, {}
local singles = 0
for _, p in ipairs(people) do
  local seq = redis.call('INCR', KEYS[5])
  local number = ticket_number(seq)
  local tkey = ARGV[1] .. p.id
  redis.call('HSET', tkey, 'id', p.id, 'token', p.token, 'number', number, 'seq', seq,
    'score', seq, 'status', 'waiting', 'name', p.name, 'phone', p.phone, 'id_number', p.id_number,
    'created_ms', now, 'doc_type', p.doc_type, 'person', p.person, 'lane', p.lane, 'round', round)
  if p.single ~= '' then singles = singles + 1 end
  for _, f in ipairs({'priority', 'single', 'declared'}) do
    if p[f] ~= '' then redis.call('HSET', tkey, f, p[f]) end
  end
  if ARGV[2] ~= '' then
    redis.call('HSET', tkey, 'household', ARGV[2])
    redis.call('RPUSH', BASE .. K.household .. ARGV[2], p.id)
  end
  if ARGV[3] == '1' then redis.call('HSET', tkey, 'walk_in', 1) end
  redis.call('ZADD', KEYS[3], seq, p.id)
  redis.call('ZADD', lane_key(p.lane), seq, p.id)
  if p.declared ~= '' then redis.call('ZADD', BASE .. K.declared, seq, p.id) end
  redis.call('HSET', KEYS[4], p.person, p.id)
  redis.call('SADD', round_key(round, K.round_tickets), p.id)
  redis.call('HINCRBY', round_key(round, K.round_counts), 'joined', 1)
  if ARGV[3] == '1' then redis.call('HINCRBY', round_key(round, K.round_counts), 'walk_in', 1) end
  ids[#ids + 1] = p.id
  if first_seq then also[#also + 1] = {seq, p.lane} else first_seq = seq end
end
stats_on_join(#people, singles, now)
if ARGV[2] ~= '' then redis.call('EXPIRE', BASE .. K.household .. ARGV[2], 7 * 86400) end
local site_pace, single_pace = paces(KEYS[2], now)
local first = redis.call('HMGET', ARGV[1] .. ids[1], 'number', 'lane')
local event = {type = 'joined', number = first[1], entered = first_seq, lane = first[2],
  waiting = redis.call('ZCARD', KEYS[3]), pace = site_pace, pace_single = single_pace, ts = now}
if #also > 0 then event.also = also end
local event_id, event_json = emit(KEYS[6], event)
idem_claim(KEYS[7], ids[1])
-- Each new ticket as ticket_snapshot.lua shows it, so a join needs no second round trip.
local snaps = {}
for i, p in ipairs(people) do
  local tkey = ARGV[1] .. p.id
  snaps[i] = {redis.call('HGETALL', tkey), lane_ahead(p.lane, redis.call('HGET', tkey, 'score'))}
end
return {'ok', ids, event_id, event_json, snaps, event_id, tostring(site_pace), tostring(single_pace)}
