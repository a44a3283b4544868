#!/bin/bash
# End to end, in a real browser: headless Chromium, driven through
# chromedriver's W3C WebDriver HTTP API with curl and jq, opens the report
# page and watches it update itself (visits.js polling /visits.json) while
# visits are sent with curl: the window total and the chart's current bar
# change without a reload, and a hostile path (script tag, img onerror
# handler, quotes) is shown as text, never run; with PostgreSQL down the
# page says it is stale and recovers by itself. Skipped (77) when Chromium
# or chromedriver is not installed. Leaves a screenshot in
# $top_builddir/tests/e2e_browser.png.
. "$top_srcdir/tests/webdriver.sh"
. "$top_srcdir/tests/lib.sh"

VISITS=25
SHOT=$top_builddir/tests/e2e_browser.png
webdriver_start

# --- a hostile path -----------------------------------------------------------

# The slashes stay literal: an encoded one (%2F) inside a segment, and a
# space, are re-encoded when the path is stored (lib/event/path.h), which would
# defuse "</script>" and "<img src" before any escaping is tested. "/"
# separates attributes as well as a space does.
hostile_req='/x%22%27%3E%3Cscript%3Ewindow.__pwned%3D1%3C/script%3E%3Cimg/src%3D%22x%22/onerror%3Dwindow.__pwned%3D2%3E'
hostile=$'/x"\'><script>window.__pwned=1</script><img/src="x"/onerror=window.__pwned=2>'
code=$(page -o /dev/null -w '%{http_code}' "$URL$hostile_req")
[ "$code" = 200 ] || fail "the visit to the hostile path was answered $code, not 200"
for ((i = 0; i < 75; i++)); do
    curl -sf "$URL/visits.json?window=15m&top=100" \
        | jq -e --arg p "$hostile" 'any(.paths[]; .path == $p)' >/dev/null && break
    sleep 0.2
done
[ "$i" -lt 75 ] || fail "/visits.json does not list the path $hostile after 15s; it lists: $(
    curl -s "$URL/visits.json?window=15m&top=100" | jq -c '[.paths[].path]')"

# --- the page -----------------------------------------------------------------

wd_post "/session/$SID/url" "$(jq -nc --arg u "$URL/visits?window=15m&top=20" '{url: $u}')" >/dev/null
wait_js 15 'document.getElementById("status")?.textContent.startsWith("Live") === true' \
    'the status to start with "Live"' 'document.getElementById("status")?.textContent ?? "no #status"'
first_text=$(text '#total')
[[ $first_text =~ ^[0-9]{1,3}(,[0-9]{3})*$ ]] || fail "#total is not a count: \"$first_text\""
first=${first_text//,/}
bar_before=$(js 'document.querySelector("svg#chart g.b:last-child title")?.textContent ?? null' | jq -r .)
js 'window.__marker = 42' >/dev/null
note "before: total \"$first_text\", current bar \"$bar_before\""

# Visits sent in the last seconds of a minute could land in a bar that is no
# longer the last when the page is checked.
sec=$(date +%-S)
if [ "$sec" -ge 45 ]; then
    note "waiting $((61 - sec))s for the next minute"
    sleep $((61 - sec))
fi
seq "$VISITS" | sed "s|.*|$URL/browser/page|" >"$T/urls"
codes=$(requests "$T/urls" | sort | uniq -c)
[ "$(echo "$codes" | awk '$2 == 200 {print $1}')" = "$VISITS" ] \
    || fail "expected $VISITS answers 200, got: $(tr '\n' ' ' <<<"$codes")"

want=$((first + VISITS))
want_text=$(commas "$want")
for ((i = 0; i < 50; i++)); do
    now_text=$(text '#total')
    now=${now_text//,/}
    [ "$now_text" = "$want_text" ] && break
    [[ $now =~ ^[0-9]+$ ]] && [ "$now" -gt "$want" ] \
        && fail "#total shows \"$now_text\", more than the expected \"$want_text\""
    sleep 0.2
done
[ "$now_text" = "$want_text" ] \
    || fail "#total shows \"$now_text\" 10s after $VISITS visits, expected \"$want_text\" (was \"$first_text\")"
note "after $VISITS visits: total \"$now_text\""

# --- assertions -----------------------------------------------------------------

marker=$(js 'window.__marker ?? null')
[ "$marker" = 42 ] || fail "window.__marker is $marker, not 42: the page was reloaded"

pwned=$(js 'window.__pwned === undefined ? "undefined" : String(window.__pwned)' | jq -r .)
[ "$pwned" = undefined ] \
    || fail "window.__pwned is $pwned: markup from the hostile path was run"

row=$(js 'Array.from(document.querySelectorAll("#paths td.path a"), a => a.textContent)
            .includes(arguments[0])' "$hostile")
[ "$row" = true ] || fail "no row of #paths shows the path $hostile as text; rows: $(
    js 'Array.from(document.querySelectorAll("#paths td.path"), td => td.textContent)')"
[ "$(js 'document.getElementById("paths").textContent.includes("<script>")')" = true ] \
    || fail "the text of #paths does not contain \"<script>\" literally"
shown=$(js 'Array.from(document.querySelectorAll("#paths tbody tr"))
    .find(tr => tr.querySelector("td.path")?.textContent === arguments[0])
    ?.querySelector("td.num")?.textContent ?? null' /browser/page | jq -r .)
[ "$shown" = "$(commas "$VISITS")" ] || fail "the row of /browser/page shows \"$shown\" visits, expected $VISITS; rows: $(
    js 'Array.from(document.querySelectorAll("#paths tbody tr"), tr => tr.textContent)')"

imgs=$(js 'document.querySelectorAll("#paths img").length')
[ "$imgs" = 0 ] || fail "#paths holds $imgs <img> elements, expected none"
scripts=$(js 'Array.from(document.scripts, s => s.getAttribute("src"))')
[ "$scripts" = '["/visits/static/visits.js"]' ] \
    || fail "expected only the script /visits/static/visits.js in the document, found (by src): $scripts"

bar=$(js '(() => {
    const g = document.querySelector("svg#chart g.b:last-child");
    const r = g?.querySelector("rect.bar");
    return r ? {height: r.getAttribute("height"), title: g.querySelector("title")?.textContent} : null;
})()')
[ "$bar" != null ] || fail "no bar svg#chart g.b:last-child rect.bar in the chart"
height=$(jq -r .height <<<"$bar")
title=$(jq -r .title <<<"$bar")
awk -v h="$height" 'BEGIN { exit !(h + 0 > 0) }' \
    || fail "the last bar of the chart has height \"$height\" after $VISITS visits, expected > 0 (title: \"$title\")"
count=$(sed -n 's/.*: \([0-9,]*\) visits so far$/\1/p' <<<"$title")
count=${count//,/}
[ -n "$count" ] && [ "$count" -ge "$VISITS" ] \
    || fail "the last bar's title is \"$title\", expected \"...: N visits so far\" with N >= $VISITS (it was \"$bar_before\")"
note "current bar: height $height, \"$title\""

status=$(text '#status')
[[ $status == Live* ]] || fail "the status is \"$status\" at the end, expected \"Live...\""

wd_get "/session/$SID/screenshot" | jq -r . | base64 -d >"$SHOT" \
    || fail "could not save the screenshot"
[ "$(head -c 4 "$SHOT" | tail -c 3)" = PNG ] || fail "the screenshot in $SHOT is not a PNG"
note "screenshot: $SHOT"

# --- staleness ------------------------------------------------------------------

# With the database down the report answers 503 (once nginx's 1 s entry
# expires): the page must say it is not updating, keep its numbers, and
# come back by itself.
pg_stop
note "postgresql stopped"
wait_js 15 'document.getElementById("status")?.textContent.startsWith("Not updating") === true' \
    'the status to say "Not updating"' 'document.querySelector("p.status")?.textContent ?? "no p.status"'
[ "$(js 'document.querySelector("p.status").classList.contains("stale")')" = true ] \
    || fail "the status line is not marked stale"
status=$(js 'document.querySelector("p.status").textContent' | jq -r .)
[[ $status == *unavailable* ]] || fail "the stale status does not give the reason: \"$status\""
[ "$(text '#total')" = "$want_text" ] || fail "#total changed while stale: $(text '#total')"
note "stale: \"$status\""
pg_start
note "postgresql started again"
wait_js 15 'document.getElementById("status")?.textContent.startsWith("Live") === true' \
    'the status to be "Live" again' 'document.querySelector("p.status")?.textContent ?? "no p.status"'
[ "$(js 'document.querySelector("p.status").classList.contains("stale")')" = false ] \
    || fail "the status line is still marked stale after recovery"
[ "$(js 'window.__marker ?? null')" = 42 ] || fail "the page was reloaded during the outage"
note "ok: the page updated itself to $want_text without a reload and showed the hostile path as text"
