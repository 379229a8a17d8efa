-- Rename a community and/or change its sites. A site that joins is mapped from its current
-- round to the community's; one that leaves keeps what it counted so far.
-- KEYS as create.lua, the site metas of the old and the new list together (ARGV[5]).
-- ARGV[1] id  ARGV[2] name ('' keeps it)  ARGV[3] new JSON site list ('' keeps it)
-- ARGV[4] the site list the caller read (the change is refused if it moved meanwhile)
-- ARGV[5] JSON list of the sites whose metas are KEYS[5..] -> {'ok', id} | {'replay', id}
--- @include "community_members"

local replay = idem_replay(KEYS[2])
if replay then return replay end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'err', 'community_not_found', CID} end
if ARGV[3] ~= '' then
  local current = redis.call('HGET', KEYS[1], 'sites')
  if current ~= ARGV[4] then return {'err', 'conflict', ''} end
  local keyed = cjson.decode(ARGV[5])
  local wanted, old = {}, {}
  for _, s in ipairs(cjson.decode(ARGV[3])) do wanted[s] = true end
  for _, s in ipairs(cjson.decode(current)) do old[s] = true end
  for i, site in ipairs(keyed) do
    if wanted[site] and not old[site] then
      local refused = check_site(site, KEYS[4 + i])
      if refused then return refused end
    end
  end
  local n = redis.call('HGET', KEYS[1], 'round')
  local record = cjson.decode(redis.call('HGET', BASE .. C.rounds, n))
  for i, site in ipairs(keyed) do
    if wanted[site] and not old[site] then record.sites[site] = join_site(site, KEYS[4 + i], n)
    elseif old[site] and not wanted[site] then leave_site(site, KEYS[4 + i]) end
  end
  redis.call('HSET', BASE .. C.rounds, n, cjson.encode(record))
  redis.call('HSET', KEYS[1], 'sites', ARGV[3])
end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'name', ARGV[2]) end
remember(CID)
return {'ok', CID}
