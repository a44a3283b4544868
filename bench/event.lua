-- bench/event.lua - wrk script: each request POSTs one event to the
-- events API (/visits/event), as the script's beacon does, for one of 50
-- page paths of the site localhost in turn.
local n = 0
local headers = { ["Content-Type"] = "text/plain" }
request = function()
  n = n + 1
  return wrk.format("POST", "/visits/event", headers,
    '{"site":"localhost","url":"http://localhost/bench/e/' .. (n % 50) .. '"}')
end
