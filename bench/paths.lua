-- bench/paths.lua - wrk script: each request asks for one of 50 page paths
-- in turn (/bench/w/0 .. /bench/w/49) as a browser asks for a page (an
-- Accept naming text/html: a page view to nginx/visits-pageview.conf), so
-- the counted site records a mix of paths as a real site would. The
-- ceilings are measured with the same script, so every run pays the same
-- for request building.
local n = 0
local headers = { ["Accept"] = "text/html,application/xhtml+xml" }
request = function()
  n = n + 1
  return wrk.format("GET", "/bench/w/" .. (n % 50), headers)
end
