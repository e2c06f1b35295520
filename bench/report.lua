-- wrk reporter: one line with requests/s and p50/p95/p99 latency in milliseconds.
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format("rps=%.0f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f requests=%d errors=%d\n",
    summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
