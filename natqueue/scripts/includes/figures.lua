-- The organizer's figures, kept at the moment of change: the dashboard must cost the same
-- whether 50 or 5,000 people wait, so nothing is ever counted by walking tickets. The
-- queue scripts call stats_on_* when a ticket is called, checked in or sampled; they add
-- to one hash per site and local day (K.stats_day .. day):
--
-- - waits_n, waits_sum, waits_max and h<minute> (a histogram of waits in whole minutes,
--   for the day's 90th percentile), plus the same three per quarter hour q<k>:... (k =
--   0..95, for the day's charts);
-- - samples, q<k>:samples and s<n>:samples; untubed and s<n>:untubed, the samples recorded
--   with no tube (the lab cannot trace them: the dashboard shows them per station);
-- - q<k>:joins, the people who took a number in that quarter, and q<k>:joins_single, those of
--   them in a single tube (only single stations call them): the pace of arrivals the
--   dashboard's forecast (figures/foresight.py) expects to go on;
-- - per station s<n>:walk_*, s<n>:entry_*, s<n>:swab_*, s<n>:gap_*, s<n>:idle_sum and the
--   last check-in and sample moments (stage times; docs/figures.md says what each means).
--
-- A call after a wait past the site's target also stores the long_wait alert, so it is
-- seen even if no dashboard was open meanwhile.
--
-- The local day and quarter hour are the site's own, at the moment of the change (zone.lua).
--- @include "zone"

local STATS_TTL = 3 * 86400
-- A gap between two moments at a station longer than this is a break, not a cycle.
local STATS_CYCLE_MS = 600000

-- The site's local day number and quarter hour (0..95) at ``now``, as figures/arithmetic.py
-- local_day reads them back.
local function stats_day(now)
  local local_ms = now + site_offset(now)
  return math.floor(local_ms / 86400000), math.floor((local_ms % 86400000) / 900000)
end

local function stats_key(now)
  local day, quarter = stats_day(now)
  local key = BASE .. K.stats_day .. day
  redis.call('EXPIRE', key, STATS_TTL)
  return key, 'q' .. quarter .. ':'
end

local function stats_add(key, field, value)
  redis.call('HINCRBY', key, field, math.floor(value))
end

local function stats_max(key, field, value)
  local current = tonumber(redis.call('HGET', key, field) or '-1')
  if value > current then redis.call('HSET', key, field, math.floor(value)) end
end

-- People took numbers: ``people`` of them, ``single`` of those in a single tube.
local function stats_on_join(people, single, now)
  local key, q = stats_key(now)
  stats_add(key, q .. 'joins', people)
  if single > 0 then stats_add(key, q .. 'joins_single', single) end
end

-- A ticket left the queue for a station: its wait (joined -> called) counts today.
local function stats_on_call(tkey, now)
  local created = tonumber(redis.call('HGET', tkey, 'created_ms') or '')
  if not created then return end
  local wait = math.max(0, now - created)
  local key, q = stats_key(now)
  -- One wait per person: a resident sent back to the queue from the table (a yellow code
  -- found at a pooled station) and called again is counted once, at the first call.
  if redis.call('HSETNX', tkey, 'wait_counted', 1) == 1 then
    stats_add(key, 'waits_n', 1)
    stats_add(key, 'waits_sum', wait)
    stats_max(key, 'waits_max', wait)
    stats_add(key, 'h' .. math.min(math.floor(wait / 60000), 720), 1)
    stats_add(key, q .. 'waits_n', 1)
    stats_add(key, q .. 'waits_sum', wait)
    stats_max(key, q .. 'waits_max', wait)
  end
  -- Waited past the target: alert even if no dashboard was open meanwhile (the next
  -- read of the figures marks it cleared if nobody waits that long any more).
  local target = (tonumber(redis.call('HGET', BASE .. K.meta, 'wait_target_min') or '') or D.wait_target_min) * 60000
  local alerts = BASE .. K.alerts
  if wait > target and redis.call('HEXISTS', alerts, 'long_wait') == 0 then
    redis.call('HSET', alerts, 'long_wait', cjson.encode({id = 'long_wait', kind = 'long_wait', active = true,
      raised_ms = created + target, detail = {minutes = math.floor(wait / 60000), seconds = math.floor(wait / 1000),
      number = redis.call('HGET', tkey, 'number')}}))
  end
end

-- The first check-in of a called ticket: walk-up and information-entry times.
local function stats_on_check_in(tkey, station, now)
  if not station or redis.call('HEXISTS', tkey, 'checked_in_ms') == 1 then return end
  local called = tonumber(redis.call('HGET', tkey, 'called_ms') or '')
  if not called then return end
  local key = stats_key(now)
  local s = 's' .. station .. ':'
  local previous = tonumber(redis.call('HGET', key, s .. 'last_checkin') or '0')
  local start = called
  if previous > start and now - previous <= STATS_CYCLE_MS then start = previous end
  stats_add(key, s .. 'walk_n', 1)
  stats_add(key, s .. 'walk_sum', now - called)
  stats_add(key, s .. 'entry_n', 1)
  stats_add(key, s .. 'entry_sum', now - start)
  redis.call('HSET', key, s .. 'last_checkin', now)
end

-- A sample: throughput, and the medic's side of the stage times.
local function stats_on_sampled(tkey, station, now)
  if not station then return end
  local key, q = stats_key(now)
  local s = 's' .. station .. ':'
  stats_add(key, 'samples', 1)
  stats_add(key, q .. 'samples', 1)
  stats_add(key, s .. 'samples', 1)
  -- Counted now, as the sample is bound (or not): a tube opened later does not hold this swab.
  if not redis.call('HGET', tkey, 'tube') then
    stats_add(key, 'untubed', 1)
    stats_add(key, s .. 'untubed', 1)
  end
  local previous = tonumber(redis.call('HGET', key, s .. 'last_sample') or '0')
  redis.call('HSET', key, s .. 'last_sample', now)
  local checked = tonumber(redis.call('HGET', tkey, 'checked_in_ms') or '')
  if not checked then return end
  local start = checked
  if previous > start and now - previous <= STATS_CYCLE_MS then start = previous end
  stats_add(key, s .. 'swab_n', 1)
  stats_add(key, s .. 'swab_sum', now - start)
  if previous > 0 and now - previous <= STATS_CYCLE_MS then
    stats_add(key, s .. 'gap_n', 1)
    stats_add(key, s .. 'gap_sum', now - previous)
    stats_add(key, s .. 'idle_sum', math.max(0, math.min(checked, now) - previous))
  end
end
