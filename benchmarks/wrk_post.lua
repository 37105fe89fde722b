-- POST one form body to several paths in turn (used by benchmarks/load.py):
--   wrk -t2 ... -s benchmarks/wrk_post.lua URL -- STRIDE BODY PATH...
-- Thread k of STRIDE threads sends paths k, k + STRIDE, k + 2 STRIDE, ...: a path (a
-- draft) comes back only after len(PATH) / STRIDE requests of its thread, so that two
-- saves of one draft are never in flight at once (its row version would refuse one).
-- Run from the repository root (the summary comes from wrk_report.lua).
dofile("benchmarks/wrk_report.lua")

local threads = 0

function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end

local stride, body, paths, n = 1, "", {}, 0

function init(args)
  stride = tonumber(args[1])
  body = args[2]
  for i = 3, #args do paths[#paths + 1] = args[i] end
  n = offset or 0
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  local path = paths[(n % #paths) + 1]
  n = n + stride
  return wrk.format("POST", path, nil, body)
end
