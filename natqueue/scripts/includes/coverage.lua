-- Coverage (natqueue/community): at a site that belongs to a community, each change of a
-- person's sampling status leaves a note in the site's own slot,
--   '<community>|<op>|<site>|<site round>|<ticket>|<ms>|<person key>'
-- op h: on the home list, s/H: sampled at a station / on a home visit, c: off the home list,
-- v: sample voided. The script answers the note as its last value; the app applies it to the
-- community's counts, then removes it (natqueue.community.coverage). Were the app to die in
-- between, the note is still here for the next reconcile. A site in no community writes nothing.
local COVERAGE_NOTE = nil
local function coverage_note(op, round, tid, pkey, now)
  local community = redis.call('HGET', BASE .. K.meta, 'community')
  if not community or not pkey or pkey == '' then return end
  local site = string.match(BASE, '{(.*)}')
  COVERAGE_NOTE = table.concat({community, op, site, round, tid, now, pkey}, '|')
  redis.call('ZADD', BASE .. K.cov_pending, now, COVERAGE_NOTE)
end
