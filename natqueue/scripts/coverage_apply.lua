-- Apply coverage notes left by member sites' scripts (includes/coverage.lua):
-- '<community>|<op>|<site>|<site round>|<ticket>|<ms>|<person key>', op one of
--   h  the ticket went on a home-sampling list      s  sampled at a station
--   H  sampled on a home visit                      c  a home ticket was taken off the list
--   v  its sample was voided
-- A ticket only moves forward (h < s = H < c < v): each note sets the ticket's stage in the
-- round and is applied only if it moves it on, so a note applied twice, or after a later one
-- (two processes reconciling at once), changes nothing. Exact whatever the order.
-- KEYS[1] meta  ARGV[1] JSON list of notes
-- -> {notes done with (applied or not ours), changed units as {round, unit JSON} pairs}
--- @include "coverage_status"

local STAGE = {h = 1, s = 2, H = 2, c = 3, v = 4}
local done, changed, seen = {}, {}, {}
local rmap = BASE .. C.round_map
for _, note in ipairs(cjson.decode(ARGV[1])) do
  local op, site, sround, tid, ts, pkey = string.match(note, '^[^|]*|(%a)|([^|]*)|([^|]*)|([^|]*)|(%d+)|(.+)$')
  local n = op and redis.call('HGET', rmap, site .. ':' .. sround)
  if not n then
    -- A round the site started before it joined (not ours: done with it), or one whose mapping
    -- is being written (a community round starting): left for the next reconcile.
    local first = op and redis.call('HGET', rmap, site .. ':first')
    if not first or tonumber(sround) < tonumber(first) then done[#done + 1] = note end
  else
    done[#done + 1] = note
    local stage, st = STAGE[op], community_key(n, C.round_stage)
    local was = tonumber(redis.call('HGET', st, tid) or '0')
    if stage > was then
      local pid = redis.call('HGET', BASE .. C.person_keys, pkey)
      local before = status_of(n, pkey, pid)
      if was == 1 then redis.call('HINCRBY', community_key(n, C.round_home), pkey, -1)
      elseif was == 2 then
        redis.call('HINCRBY', community_key(n, C.round_tested), pkey, -1)
        redis.call('HDEL', community_key(n, C.round_samples), tid)
      end
      if stage == 1 then redis.call('HINCRBY', community_key(n, C.round_home), pkey, 1)
      elseif stage == 2 then
        redis.call('HINCRBY', community_key(n, C.round_tested), pkey, 1)
        -- The closing report lists the home samples; a station's are in the site's own records.
        if op == 'H' then
          redis.call('HSET', community_key(n, C.round_samples), tid, pkey .. '|' .. site .. '|' .. op .. '|' .. ts)
        end
      end
      redis.call('HSET', st, tid, stage)
      local after = status_of(n, pkey, pid)
      local unit = nil
      if pid then
        local u = redis.call('HGET', BASE .. C.person .. pid, 'u')
        if count_move(n, u, before, after, tonumber(ts)) then unit = u end
      elseif (before == 't') ~= (after == 't') then
        redis.call('HINCRBY', community_key(n, C.round_counts), 'unlisted', after == 't' and 1 or -1)
        unit = ''
      end
      if unit and not seen[n .. ':' .. unit] then
        seen[n .. ':' .. unit] = true
        changed[#changed + 1] = {n, unit ~= '' and redis.call('HGET', BASE .. C.units, unit) or ''}
      end
    end
  end
end
return {done, changed}
