-- The site's own time. Its zone's UTC offsets are in its meta (tz_offsets), written when
-- the site is made, when its zone changes and at every app start (figures/arithmetic.py
-- zone_offsets): 'from_ms:offset_ms,...' oldest first, a year back to five years ahead.
-- So a script finds the offset for its own clock, and a daylight-saving switch needs
-- nobody to write anything.

-- The site's UTC offset at ``now`` (ms): the last stored offset begun by then. A site
-- stored without offsets counts in the default zone (D.tz_offsets).
local function site_offset(now)
  local offsets = redis.call('HGET', BASE .. K.meta, 'tz_offsets') or D.tz_offsets
  local found
  for start, offset in string.gmatch(offsets, '(%-?%d+):(%-?%d+)') do
    if found and tonumber(start) > now then break end
    found = tonumber(offset)
  end
  return found
end
