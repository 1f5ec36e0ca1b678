-- The one wrk script of the benchmark: what to send comes from a request file, what was measured
-- goes to stdout as one JSON line (see load_tests/wrk.py, which writes the file and parses the line).
--
-- Request file (WRK_REQUESTS=path), written by load_tests.wrk.write_request_file:
--   line 1: method
--   line 2: path (with query)
--   then "Name: value" header lines, then one empty line
--   then one body per line (none for a bodiless request); bodies are compact JSON, never multi-line.
-- One body (or none) keeps wrk's static request: one pre-formatted buffer, no Lua per request, as
-- for the reference apps. Several bodies rotate, pre-formatted once in init so that the per-request
-- Lua cost is a table lookup (a gate scans a different code each time).

local method, path = "GET", "/"
local headers, bodies = {}, {}

local spec = os.getenv("WRK_REQUESTS")
if spec and spec ~= "" then
  local file = assert(io.open(spec, "r"))
  method = file:read("*l")
  path = file:read("*l")
  for line in file:lines() do
    if line == "" then break end
    local name, value = line:match("^([^:]+):%s*(.*)$")
    headers[name] = value
  end
  for line in file:lines() do
    if line ~= "" then bodies[#bodies + 1] = line end
  end
  file:close()
end

wrk.method = method
wrk.path = path
wrk.headers = headers
if #bodies == 1 then wrk.body = bodies[1] end

if #bodies > 1 then
  local formatted, index = {}, 0
  init = function(args)
    for i, body in ipairs(bodies) do
      formatted[i] = wrk.format(method, path, headers, body)
    end
  end
  request = function()
    index = index % #formatted + 1
    return formatted[index]
  end
end

-- A paced row (WRK_PACE_MS=ms) has every connection wait that long before each request: an offered
-- rate of about connections / pace (less the answers' own time), as gates scanning at a given rate
-- are, instead of a closed loop at saturation whose latency is only connections / throughput.
local pace = tonumber(os.getenv("WRK_PACE_MS") or "")
if pace then
  delay = function() return pace end
end

-- A row that measures refusals (WRK_EXPECT=409) counts the answers of any other status itself: wrk's
-- own status count takes every status >= 400 for an error. Threads keep their count; done() adds them.
local expect = tonumber(os.getenv("WRK_EXPECT") or "")
local threads = {}
unexpected = 0
if expect then
  setup = function(thread) threads[#threads + 1] = thread end
  response = function(status, headers, body)
    if status ~= expect and status >= 400 then unexpected = unexpected + 1 end
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  local wrong = -1
  if expect then
    wrong = 0
    for _, thread in ipairs(threads) do wrong = wrong + thread:get("unexpected") end
  end
  io.write(string.format(
    'WRK_REPORT {"unexpected":%d,"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    wrong, summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
