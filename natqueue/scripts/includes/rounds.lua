-- Rounds: every record (ticket, sample, tube) belongs to the round it was made in.

-- A round's own key: K.round_tickets (set), K.round_samples (zset by time), K.round_tubes
-- (zset), K.round_bound (person -> ticket), K.round_counts, K.round_tube_owners (set).
local function round_key(round, what) return BASE .. K.round .. round .. ':' .. what end

-- The site's current round; a site starts in round 1.
local function current_round(now)
  if redis.call('HSETNX', BASE .. K.meta, 'round', '1') == 1 then
    redis.call('HSET', BASE .. K.rounds, '1', cjson.encode({id = '1', name = '', started_ms = now}))
  end
  return redis.call('HGET', BASE .. K.meta, 'round')
end
