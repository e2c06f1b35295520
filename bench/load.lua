-- Mixed workload for bench/load.py: every request takes the next path of LOAD_PATHS (separated
-- by "|") round-robin, with the Bearer token of LOAD_TOKEN. Prints one machine-readable line.
local paths = {}
for p in string.gmatch(os.getenv("LOAD_PATHS") or "/health/", "([^|]+)") do paths[#paths + 1] = p end
local token = os.getenv("LOAD_TOKEN") or ""
local counter = 0

init = function(args)
  counter = math.random(#paths) - 1  -- each thread starts at a different place in the rotation
end

request = function()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token, ["Accept"] = "application/json"})
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("RESULT rps=%.1f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f requests=%d errors=%d\n",
    summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.requests, e.connect + e.read + e.write + e.status + e.timeout))
end
