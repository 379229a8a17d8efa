-- Replace a station's roster: who is on duty now, with their role.
-- People no longer listed are checked out, new ones checked in; both moves are
-- appended to the roster history. Idempotent by request id.
-- KEYS[1] current roster hash (person -> role|since)  KEYS[2] history stream  KEYS[3] idem
-- KEYS[4] stations
-- ARGV[1] station  ARGV[2] actor  ARGV[3] history kept (entries)  ARGV[4..] person, role pairs,
--   then the tail
-- -> {'ok', changes} | {'replay'} | {'err', code, detail}

local replay = idem_replay(KEYS[3])
if replay then return replay end
if not redis.call('HGET', KEYS[4], ARGV[1]) then return {'err', 'station_not_found', ''} end
local now = now_ms()
local wanted = {}
for i = 4, ARGC, 2 do wanted[ARGV[i]] = ARGV[i + 1] end
local current = redis.call('HGETALL', KEYS[1])
local changes = 0
for i = 1, #current, 2 do
  local person, role = current[i], string.match(current[i + 1], '^([^|]*)')
  if wanted[person] ~= role then
    redis.call('HDEL', KEYS[1], person)
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'station', ARGV[1], 'person', person, 'role', role,
      'move', 'out', 'ts', now, 'by', ARGV[2])
    changes = changes + 1
  else
    wanted[person] = nil
  end
end
for person, role in pairs(wanted) do
  redis.call('HSET', KEYS[1], person, role .. '|' .. now)
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'station', ARGV[1], 'person', person, 'role', role,
    'move', 'in', 'ts', now, 'by', ARGV[2])
  changes = changes + 1
end
idem_claim(KEYS[3], '1')
return {'ok', changes}
