# tests/webdriver.sh - sourced by the browser tests: headless Chromium
# driven through chromedriver's W3C WebDriver HTTP API with curl and jq.
# Source it before tests/lib.sh: it skips the test (77) where Chromium,
# chromedriver, curl or jq is missing, so no stack is started for nothing.
# Then webdriver_start (after lib.sh) starts chromedriver and a browser
# session (SID), and stops both when the test exits, before lib.sh stops
# the stack.
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
CHROMEDRIVER=${CHROMEDRIVER:-$(command -v chromedriver || echo /usr/bin/chromedriver)}
if [ ! -x "$CHROMIUM" ]; then
    echo "SKIP: no Chromium at $CHROMIUM (apt-get install chromium)"
    exit 77
fi
if [ ! -x "$CHROMEDRIVER" ]; then
    echo "SKIP: no chromedriver at $CHROMEDRIVER (apt-get install chromium-driver)"
    exit 77
fi
for tool in curl jq; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
WD='' WD_PID='' SID=''

# --- WebDriver ---------------------------------------------------------------

# Ends the browser session and chromedriver, then lets lib.sh stop the stack.
browser_cleanup() {
    local rc=$?
    set +e
    trap - EXIT
    [ -n "$SID" ] && curl -s --max-time 10 -X DELETE "$WD/session/$SID" >/dev/null
    if [ -n "$WD_PID" ]; then
        # chromedriver leads its own process group (setsid); a browser it
        # could not close goes with it.
        kill -- -"$WD_PID" 2>/dev/null || kill "$WD_PID" 2>/dev/null
        wait "$WD_PID" 2>/dev/null
    fi
    (exit "$rc")
    cleanup
}

# wd METHOD PATH [JSON]: one WebDriver command; prints its .value as JSON,
# or fails with the WebDriver error.
wd() {
    local out
    out=$(curl -sS --max-time 60 -X "$1" -H 'Content-Type: application/json' \
        ${3:+--data-binary "$3"} "$WD$2") || fail "WebDriver $1 $2: chromedriver did not answer"
    jq -e 'has("value")' >/dev/null 2>&1 <<<"$out" \
        || fail "WebDriver $1 $2: not a WebDriver answer: ${out:0:300}"
    if jq -e '.value | type == "object" and has("error") and has("message")' \
        >/dev/null <<<"$out"; then
        fail "WebDriver $1 $2: $(jq -r '.value | "\(.error): \(.message)"' <<<"$out" | head -n 3)"
    fi
    jq -c .value <<<"$out"
}
wd_post() { wd POST "$@"; }
wd_get() { wd GET "$1"; }

# js EXPR [ARG...]: evaluates EXPR in the page (the ARGs are strings, in
# arguments[0]...) and prints its value as JSON.
js() {
    local body
    body=$(jq -nc --arg s "return ($1);" '{script: $s, args: $ARGS.positional}' \
        --args "${@:2}")
    wd_post "/session/$SID/execute/sync" "$body"
}

# text SELECTOR: the textContent of the element, raw; "(no element
# SELECTOR)" if there is none.
text() {
    js 'document.querySelector(arguments[0])?.textContent ?? "(no element " + arguments[0] + ")"' \
        "$1" | jq -r .
}

# wait_js SECONDS EXPR WHAT: polls until EXPR is true; fails saying WHAT was
# awaited and, from SEEN (an expression), what the page showed instead.
wait_js() {
    local secs=$1 expr=$2 what=$3 seen=${4:-} i v
    for ((i = 0; i < secs * 5; i++)); do
        v=$(js "$expr")
        [ "$v" = true ] && return 0
        sleep 0.2
    done
    fail "after ${secs}s still waiting for $what${seen:+; the page shows: $(js "$seen")}"
}

# commas N: N with thousands separators, as the page writes numbers.
commas() { printf '%s' "$1" | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta'; }

# --- chromedriver and Chromium ------------------------------------------------

# start_chromedriver: on a free port, like lib.sh picks PORT; another port
# if that one was taken meanwhile (chromedriver then exits at once).
start_chromedriver() {
    local try p i
    for try in 1 2 3 4 5; do
        for _ in $(seq 50); do
            p=$((20000 + RANDOM % 12000))
            [ "$p" != "$PORT" ] && ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break
        done
        WD=http://127.0.0.1:$p
        setsid "$CHROMEDRIVER" --port="$p" --log-path="$T/log/chromedriver.log" \
            </dev/null >>"$T/log/chromedriver.out.log" 2>&1 &
        WD_PID=$!
        for ((i = 0; i < 100; i++)); do
            [ "$(curl -s --max-time 2 "$WD/status" | jq -r .value.ready 2>/dev/null)" = true ] \
                && return 0
            kill -0 "$WD_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$WD_PID" 2>/dev/null && fail "chromedriver is not ready on $WD after 10s"
        wait "$WD_PID" || true
        WD_PID=''
        note "chromedriver exited at start on port $p (try $try)"
    done
    fail "chromedriver did not start; see $T/log/chromedriver*.log below"
}
# webdriver_start: chromedriver, then a session of headless Chromium in a
# profile of its own under $T.
webdriver_start() {
    local caps session
    trap browser_cleanup EXIT
    start_chromedriver
    caps=$(jq -nc --arg bin "$CHROMIUM" --arg profile "$T/chromium-profile" '{
      capabilities: {alwaysMatch: {
        browserName: "chrome",
        pageLoadStrategy: "normal",
        timeouts: {script: 10000, pageLoad: 20000},
        "goog:chromeOptions": {binary: $bin, args: [
          "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
          "--disable-quic", "--no-first-run", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--window-size=1200,1000",
          "--user-data-dir=\($profile)"]}}}}')
    session=$(wd_post /session "$caps")
    SID=$(jq -r '.sessionId // empty' <<<"$session")
    [ -n "$SID" ] || fail "no WebDriver session was created: $session"
    note "Chromium $(jq -r '.capabilities.browserVersion' <<<"$session"), WebDriver session $SID"
}
