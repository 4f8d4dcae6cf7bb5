-- wrk script: random id from BENCH_IDS substituted into BENCH_PATH; optional pacing for
-- fixed-rate latency runs: each connection waits an exponentially distributed delay with
-- mean BENCH_DELAY_MS (Poisson arrivals, so connections do not fire in lockstep bursts).
-- Prints one JSON line.
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do ids[#ids + 1] = line end
local pattern = os.getenv("BENCH_PATH")
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))

request = function()
  local path = string.format(pattern, ids[math.random(#ids)])
  return wrk.format("GET", path)
end

if delay_ms > 0 then
  delay = function() return -math.log(1 - math.random()) * delay_ms end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
