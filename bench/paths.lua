-- bench/paths.lua - wrk script: each request asks for one of 50 page paths
-- in turn (/bench/w/0 .. /bench/w/49), so the visit worker records a mix
-- of paths as a real site would. The ceilings are measured with the same
-- script, so every run pays the same for request building.
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/bench/w/" .. (n % 50))
end
