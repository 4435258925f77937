-- One wrk script for every workload; the harness (bench/run.py) describes the request in
-- environment variables so the same script drives the sandbox and the reference app:
--   BENCH_METHOD, BENCH_PATH, BENCH_BODY (may hold {{PAN}}), BENCH_HEADERS ("Name: value" lines),
--   BENCH_PAN_BASE (14 digits, per run) so every {{PAN}} is a fresh Luhn-valid card number.
-- A request without {{PAN}} is built once (wrk's static fast path); with it, per request.

local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH") or "/"
local body = os.getenv("BENCH_BODY")
if body == "" then body = nil end
local headers = {}
for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  if name then headers[name] = value end
end

-- Luhn check digit for a string of digits (the digit that makes digits..check pass mod 10).
local function luhn_digit(digits)
  local sum, double = 0, true
  for i = #digits, 1, -1 do
    local d = digits:byte(i) - 48
    if double then
      d = d * 2
      if d > 9 then d = d - 9 end
    end
    sum = sum + d
    double = not double
  end
  return tostring((10 - sum % 10) % 10)
end

if body and body:find("{{PAN}}", 1, true) then
  -- Visa range, 16 digits: "4" + 14 counter digits + check digit; the base differs per run so
  -- every request of every run is a card the store has never seen (a NEW token).
  local base = tonumber(os.getenv("BENCH_PAN_BASE") or "10000000000000")
  local counter = 0
  function request()
    counter = counter + 1
    local digits = "4" .. string.format("%014.0f", base + counter)
    local pan = digits .. luhn_digit(digits)
    return wrk.format(method, path, headers, (body:gsub("{{PAN}}", pan)))
  end
else
  wrk.method = method
  wrk.path = path
  wrk.body = body
  for name, value in pairs(headers) do wrk.headers[name] = value end
end

-- One machine-readable line for the harness: counts and latency percentiles in microseconds.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "p999_us": %d, "max_us": %d, ' ..
    '"mean_us": %.1f, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
