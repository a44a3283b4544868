#!/bin/bash
# End to end, in a real browser (headless Chromium, tests/webdriver.sh):
# the demo single-page app on its own origin (http://app.localhost:PORT),
# counted by the script tag (www/script.js) cross-origin. A page load and
# three client-side route changes are four page views, each counted once
# under its path and the site app.localhost; a second tab that only
# reloads counts each load; the script sets no cookie and stores nothing.
# Skipped (77) when Chromium or chromedriver is not installed.
. "$top_srcdir/tests/webdriver.sh"
. "$top_srcdir/tests/lib.sh"
webdriver_start

APP=${VISITS_APP_URL%/}
# app_counts: "path<TAB>visits" of the site app.localhost, sorted.
app_counts() {
    sql "SELECT path, sum(visits) FROM visit_minutes WHERE site = 'app.localhost'
         GROUP BY path ORDER BY path"
}
size=$(gzip -9 -c "$top_srcdir/www/script.js" | wc -c)
[ "$size" -lt 1024 ] || fail "the script is $size bytes gzipped, not under 1 KB"
note "the script: $size bytes gzipped"

wd_post "/session/$SID/url" "$(jq -nc --arg u "$APP/" '{url: $u}')" >/dev/null
wait_js 10 'document.readyState === "complete" && document.getElementById("title")?.textContent === "Home"' \
    'the app to load' 'document.title'
# Three route changes, as a visitor clicking the app's links.
for route in /products /products/42 /about; do
    js 'document.querySelector(`a[href="${arguments[0]}"]`).click() || true' "$route" >/dev/null
    wait_js 5 "location.pathname === \"$route\"" "the route $route" 'location.pathname'
done
# The same route again, and a replaceState that keeps the path: no views.
js 'document.querySelector(`a[href="/about"]`).click() || true' >/dev/null
js 'history.replaceState({x: 1}, "", "/about?tab=2") || true' >/dev/null
wait_total 4 30 app.localhost
printf '/\t1\n/about\t1\n/products\t1\n/products/42\t1\n' >"$T/expected"
diff -u "$T/expected" <(app_counts) || fail "the app's page views differ"
note "a load and three route changes: 4 page views of app.localhost"
# replaceState to another path counts; back (popstate) counts.
js 'history.replaceState(null, "", "/replaced") || true' >/dev/null
js 'history.back() || true' >/dev/null
wait_js 5 'location.pathname === "/products/42"' 'going back' 'location.pathname'
wait_total 6 30 app.localhost

[ "$(js 'document.cookie')" = '""' ] || fail "the app has cookies: $(js 'document.cookie')"
[ "$(js 'localStorage.length + sessionStorage.length')" = 0 ] || fail "something was stored"

# A second tab that only reloads: every load counts.
wd_post "/session/$SID/window/new" '{"type": "tab"}' >/dev/null
handles=$(wd_get "/session/$SID/window/handles")
tab=$(jq -r '.[-1]' <<<"$handles")
wd_post "/session/$SID/window" "$(jq -nc --arg h "$tab" '{handle: $h}')" >/dev/null
wd_post "/session/$SID/url" "$(jq -nc --arg u "$APP/reloaded" '{url: $u}')" >/dev/null
for _ in 1 2; do
    js 'window.__old = 1' >/dev/null
    wd_post "/session/$SID/refresh" '{}' >/dev/null
    wait_js 10 'window.__old === undefined && document.readyState === "complete"' 'the reload' 'document.readyState'
done
wait_total 9 30 app.localhost
printf '/\t1\n/about\t1\n/products\t1\n/products/42\t2\n/reloaded\t3\n/replaced\t1\n' >"$T/expected"
diff -u "$T/expected" <(app_counts) || fail "the app's page views differ after the second tab"
[ "$(sql "SELECT count(*) FROM visit_minutes WHERE site <> 'app.localhost'")" = 0 ] \
    || fail "the app's views were counted under another site"
note "ok: 9 page views of the app counted once each, cross-origin, under app.localhost"
