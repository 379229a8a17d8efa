-- wrk script for natqueue's join benchmark (run by bench/run_joins.py).
--
--   wrk -t1 -c32 -d10s -s bench/wrk.lua http://127.0.0.1:PORT -- join SITE
--   wrk -t1 -c32 -d10s -s bench/wrk.lua http://127.0.0.1:PORT -- bare
--   wrk -t1 -c32 -d10s -s bench/wrk.lua http://127.0.0.1:PORT -- join SITE OFFSET
--   wrk -t1 -c32 -d10s -s bench/wrk.lua http://127.0.0.1:PORT -- get PATH [HEADER VALUE]
--
-- "join" POSTs /api/v1/sites/SITE/tickets, each request a distinct resident:
-- a valid GB 11643 ID (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, weighted
-- sum mod 11 indexes "10X98765432") and a distinct mobile number, so no join
-- is refused as "already queued"; OFFSET (default 0) starts the count elsewhere, so
-- several runs can join the same site. "bare" GETs /bench/bare, the Flask route
-- bench/serve.py adds to compare with; "get" GETs PATH, with one header if given
-- (bench/pages.py). done() prints one WRKJSON line.

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local WEIGHTS = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
local CHECK = "10X98765432"
local counter = 0
local mode, path, get_headers
local headers = {["Content-Type"] = "application/json"}

-- 6 digits from n, a fixed birth date, 3 digits from the wrk thread: distinct for n < 10^6.
local function resident_id(n)
  local body = string.format("%06d", n % 1000000) .. "19850615" .. string.format("%03d", tid % 1000)
  local sum = 0
  for i = 1, 17 do
    sum = sum + tonumber(body:sub(i, i)) * WEIGHTS[i]
  end
  local k = sum % 11 + 1
  return body .. CHECK:sub(k, k)
end

function init(args)
  mode = args[1] or "bare"
  if mode == "join" then
    path = "/api/v1/sites/" .. args[2] .. "/tickets"
    counter = tonumber(args[3] or "0")
  elseif mode == "get" then
    path = args[2]
    get_headers = {}
    if args[3] then get_headers[args[3]] = args[4] end
  else
    path = "/bench/bare"
  end
end

function request()
  if mode == "get" then
    return wrk.format("GET", path, get_headers)
  end
  if mode ~= "join" then
    return wrk.format("GET", path)
  end
  counter = counter + 1
  local phone = string.format("13%02d%07d", tid % 100, counter % 10000000)
  local body = string.format('{"name":"居民%d","phone":"%s","id_number":"%s"}', counter, phone,
    resident_id(counter))
  return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"non2xx":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
