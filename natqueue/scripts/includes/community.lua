-- A community's scripts (natqueue/community). They run with the community's keys as the
-- site argument of Backend.run, so BASE is the community's own 'nq:{c:<id>}:' and every key
-- they build stays in the community's hash slot; the loader puts the table C of the
-- community's key names (natqueue/community/keys.py COMMUNITY_KEYS) before them.
-- KEYS[1] is the community's meta key; KEYS[2], in a script that changes something on
-- request, its idempotency key: read first, claimed at the end, so a retry replays.

-- A round's own key: C.round_counts (per unit), C.round_tested / C.round_home (per person
-- key), C.round_exempt, C.round_stage (per ticket), C.round_samples, C.round_timeline,
-- C.round_visits .. household.
local function community_key(n, what) return BASE .. C.round .. n .. ':' .. what end

-- Claim the request id (KEYS[2]) with the change's result; scripts open with
-- idem_replay(KEYS[2]) (prelude), which also refuses a key reused for another request.
local function remember(value) idem_claim(KEYS[2], value) end

local function community_round() return redis.call('HGET', BASE .. C.meta, 'round') end
