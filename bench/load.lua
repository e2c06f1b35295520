-- wrk script for bench/load.py: one connection per wrk thread (-t = -c), a weighted mix of
-- requests, each timed per endpoint. The mix comes from the Lua file named by LOAD_MIX:
--   mix = {{name=, weight=, paths={…}, auth="session"|"token"}, …}
--   personas = {{cookie=, token=}, …}
-- done() writes "endpoint status latency_us" lines to LOAD_SAMPLES and the run's totals as its
-- first line: "# requests duration_us connect read write timeout".
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } load_timespec;
  int clock_gettime(int clock_id, load_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local clock = ffi.new("load_timespec")

local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) * 1000000 + tonumber(clock.tv_nsec) / 1000
end

dofile(os.getenv("LOAD_MIX"))

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
  table.insert(threads, thread)
end

local total_weight, headers, started, current = 0, {}, 0, nil
samples = {}

function init(args)
  math.randomseed(1000 + thread_id)
  for _, entry in ipairs(mix) do total_weight = total_weight + entry.weight end
  -- Each connection is one signed-in user: personas alternate across connections.
  local persona = personas[(thread_id - 1) % #personas + 1]
  headers.session = {Cookie = "sessionid=" .. persona.cookie, Accept = "text/html"}
  headers.token = {Authorization = "Bearer " .. persona.token, Accept = "application/json"}
  headers.none = {}
end

local function pick()
  local r = math.random() * total_weight
  for _, entry in ipairs(mix) do
    r = r - entry.weight
    if r <= 0 then return entry end
  end
  return mix[#mix]
end

function request()
  current = pick()
  local path = current.paths[math.random(#current.paths)]
  started = now_us()
  return wrk.format("GET", path, headers[current.auth])
end

function response(status, _, _)
  local elapsed = now_us() - started
  table.insert(samples, current.name .. " " .. status .. " " .. math.floor(elapsed))
end

function done(summary, _, _)
  local out = assert(io.open(os.getenv("LOAD_SAMPLES"), "w"))
  local e = summary.errors
  out:write(string.format("# %d %d %d %d %d %d\n", summary.requests, summary.duration,
    e.connect, e.read, e.write, e.timeout))
  for _, thread in ipairs(threads) do
    for _, line in ipairs(thread:get("samples")) do out:write(line, "\n") end
  end
  out:close()
end
