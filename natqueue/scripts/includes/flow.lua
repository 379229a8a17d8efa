-- The sampling workflow's scripts (tubes, marks, station modes, home visits, rounds) share
-- their first keys: KEYS[1] idem  KEYS[2] waiting  KEYS[3] events. Each opens by replaying a
-- claimed request id and closes with done().
--- @include "coverage"

-- Finish a change: append its event, claim the request id with the result, answer
-- {'ok', result_id, event_id, event_json}, plus the coverage note the change left, if any.
local function done(result_id, event, now)
  event.ts = now
  local event_id, event_json = emit(KEYS[3], event)
  idem_claim(KEYS[1], result_id)
  return {'ok', result_id, event_id, event_json, COVERAGE_NOTE}
end
