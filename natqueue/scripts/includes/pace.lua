-- How fast the open stations sample: what every wait estimate divides by.

-- Seconds per person for each kind of station: the sum of each open station's measured
-- rate over the window (the default rate until it has enough samples), over the pooled
-- stations, and over the single-tube ones (only these call yellow-code residents, and they
-- call nobody else). Each is -1 when no station of its kind is open.
local function paces(stations_key, now)
  local flat = redis.call('HGETALL', stations_key)
  local modes = redis.call('HGETALL', BASE .. K.modes)
  local single = {}
  for i = 1, #modes, 2 do single[modes[i]] = modes[i + 1] == 'single' end
  local pooled_rate, single_rate = 0, 0
  for i = 1, #flat, 2 do
    if flat[i + 1] == 'open' then
      local key = BASE .. K.served_at .. flat[i]
      local n = redis.call('ZCOUNT', key, now - WINDOW_MS, now)
      local rate = 1 / DEFAULT_S
      if n >= MIN_SAMPLES then
        local first = redis.call('ZRANGEBYSCORE', key, now - WINDOW_MS, now, 'WITHSCORES', 'LIMIT', 0, 1)
        rate = n * 1000 / math.max(now - tonumber(first[2]), 60000)
      end
      if single[flat[i]] then single_rate = single_rate + rate else pooled_rate = pooled_rate + rate end
    end
  end
  local function per_person(rate) if rate == 0 then return -1 end return 1 / rate end
  return per_person(pooled_rate), per_person(single_rate)
end

-- The pooled stations' pace: what a new arrival, and nearly everyone, waits by.
local function pace(stations_key, now)
  local pooled = paces(stations_key, now)
  return pooled
end
