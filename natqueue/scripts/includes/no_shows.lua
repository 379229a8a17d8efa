-- No-shows that staff may still bring back: the site's return window (meta
-- return_window_min, else the default of sites/settings.py) and the set of recent no-shows
-- each station's console lists (K.no_shows, scored by the moment of the no-show).

local function return_window_ms()
  return (tonumber(redis.call('HGET', BASE .. K.meta, 'return_window_min') or '') or D.return_window_min) * 60000
end

-- A ticket just marked no-show: listed until its window passes. Older entries go at each
-- new one, so the set holds one window's no-shows at most.
local function note_no_show(tid, now)
  local key = BASE .. K.no_shows
  redis.call('ZADD', key, now, tid)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - return_window_ms())
end
