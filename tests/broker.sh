# tests/broker.sh - sourced by tests/lib.sh and tests/docker.sh: the Kafka
# broker of a test, and what every test script needs (fail, note,
# free_port). Set T (the test's directory) before calling broker_create.
#
# The broker is the dev broker (librdkafka's mock cluster, which
# visits-stack starts) unless the environment names a real one, as
# make check-kafka does (docs/RELIABILITY.md):
#   VISITS_TEST_KAFKACTL=PATH   each test starts an Apache Kafka broker of
#                               its own with PATH (a kafkactl: start DIR
#                               PORT, stop DIR, kill DIR, topic DIR NAME N)
#                               and stops it at the end;
#   VISITS_TEST_BROKERS=H:P     a cluster already running: each test gets a
#                               topic and consumer group of its own, deleted
#                               at the end; tests that stop or crash the
#                               broker are skipped, saying so.
# A test that stops the broker sets TEST_STOPS_BROKER=1 before sourcing
# tests/lib.sh (and uses broker_down, broker_up); one that crashes it sets
# TEST_CRASHES_BROKER=1 (broker_kill, broker_up): only a kafkactl can.

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "# $*"; }

if [ -n "${VISITS_TEST_KAFKACTL:-}" ]; then
    KAFKA=kafkactl
    [ -x "$VISITS_TEST_KAFKACTL" ] || { echo "FAIL: VISITS_TEST_KAFKACTL=$VISITS_TEST_KAFKACTL is not an executable" >&2; exit 1; }
elif [ -n "${VISITS_TEST_BROKERS:-}" ]; then
    KAFKA=cluster
else
    KAFKA=dev
fi
if [ -n "${TEST_STOPS_BROKER:-}" ] && [ "$KAFKA" = cluster ]; then
    echo "SKIP: this test stops the broker, which it cannot do to the cluster at VISITS_TEST_BROKERS"
    exit 77
fi
if [ -n "${TEST_CRASHES_BROKER:-}" ] && [ "$KAFKA" != kafkactl ]; then
    echo "SKIP: this test crashes the broker and needs one it can restart: VISITS_TEST_KAFKACTL"
    exit 77
fi

# free_port: prints a TCP port nobody listens on, from 20000-31999: below
# Linux's ephemeral range (32768-60999), where an outgoing connection of
# any program may hold the port nginx is to bind. Never the same port
# twice in one test (the ports handed out are kept in $T/ports), since
# none of them is bound yet when the next is drawn.
free_port() {
    local p taken=${T:+$T/ports}
    for _ in $(seq 50); do
        p=$((20000 + RANDOM % 12000))
        [ -n "$taken" ] && grep -qx "$p" "$taken" 2>/dev/null && continue
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            [ -n "$taken" ] && echo "$p" >>"$taken"
            echo "$p"
            return 0
        fi
    done
    fail "no free port found"
}

# broker_create: the real broker of the test, if any (see the top of this
# file): sets VISITS_BROKERS, VISITS_TOPIC and VISITS_GROUP for
# visits-stack and the test; broker_remove undoes it. Ports other than
# the test's others (free_port).
KAFKA_PORT=
broker_create() {
    local i
    case $KAFKA in
    kafkactl)
        # The broker on KAFKA_PORT, its ZooKeeper on the next one.
        # (free_port keeps both off the ports the test has drawn.)
        for ((i = 0; i < 50; i++)); do
            KAFKA_PORT=$(free_port)
            ! (exec 3<>"/dev/tcp/127.0.0.1/$((KAFKA_PORT + 1))") 2>/dev/null \
                && ! grep -qx $((KAFKA_PORT + 1)) "$T/ports" 2>/dev/null \
                && break
        done
        echo $((KAFKA_PORT + 1)) >>"$T/ports"
        mkdir -p "$T/log"
        VISITS_BROKERS=$("$VISITS_TEST_KAFKACTL" start "$T/kafka" "$KAFKA_PORT" 2>>"$T/log/kafkactl.log" \
            | tail -n 1) || fail "kafkactl could not start a broker (see $T/log/kafkactl.log)"
        VISITS_TOPIC=visits
        "$VISITS_TEST_KAFKACTL" topic "$T/kafka" "$VISITS_TOPIC" 16 >>"$T/log/kafkactl.log" 2>&1 \
            || fail "kafkactl could not create the topic"
        ;;
    cluster)
        VISITS_BROKERS=$VISITS_TEST_BROKERS
        VISITS_TOPIC=visits-test-${T##*.}
        VISITS_GROUP=$VISITS_TOPIC
        export VISITS_GROUP
        "$top_builddir/tests/kafka_topic" "$VISITS_BROKERS" create "$VISITS_TOPIC" 16 \
            || fail "could not create the topic $VISITS_TOPIC on $VISITS_BROKERS"
        ;;
    dev)
        return 0
        ;;
    esac
    export VISITS_BROKERS VISITS_TOPIC
}
broker_remove() {
    case $KAFKA in
    kafkactl)
        [ -d "$T/kafka" ] && "$VISITS_TEST_KAFKACTL" stop "$T/kafka" >>"$T/log/kafkactl.log" 2>&1
        ;;
    cluster)
        [ -n "${VISITS_TOPIC:-}" ] && "$top_builddir/tests/kafka_topic" "$VISITS_BROKERS" delete "$VISITS_TOPIC"
        ;;
    esac
    return 0
}

# broker_down, broker_up: Kafka away (connections refused) and back; the
# dev broker takes its brokers down on SIGUSR1 and up on SIGUSR2, a real
# one is stopped and started again with its log. broker_kill: SIGKILL
# (a kafkactl's broker only; broker_up starts it again, recovering its log).
broker_down() {
    case $KAFKA in
    dev) kill -USR1 "$(cat "$T/run/devbroker.pid")" ;;
    kafkactl) "$VISITS_TEST_KAFKACTL" stop "$T/kafka" >>"$T/log/kafkactl.log" 2>&1 || fail "kafkactl stop failed" ;;
    cluster) fail "broker_down needs TEST_STOPS_BROKER=1" ;;
    esac
}
broker_up() {
    case $KAFKA in
    dev) kill -USR2 "$(cat "$T/run/devbroker.pid")" ;;
    kafkactl)
        # After a SIGKILL, ZooKeeper keeps the dead broker's registration
        # until its session expires (6 s), and a broker started before
        # that exits at once (a .ci/run saw "kafka died" so): started
        # again until one stays, for as long as that can take.
        local tries=0
        until "$VISITS_TEST_KAFKACTL" start "$T/kafka" "$KAFKA_PORT" >>"$T/log/kafkactl.log" 2>&1; do
            tries=$((tries + 1))
            [ "$tries" -lt 10 ] || fail "kafkactl could not start the broker again ($tries tries)"
            echo "broker_up: the broker exited at start, starting it again" >>"$T/log/kafkactl.log"
        done ;;
    cluster) fail "broker_up needs TEST_STOPS_BROKER=1" ;;
    esac
}
broker_kill() {
    [ "$KAFKA" = kafkactl ] || fail "broker_kill needs TEST_CRASHES_BROKER=1"
    "$VISITS_TEST_KAFKACTL" kill "$T/kafka" >>"$T/log/kafkactl.log" 2>&1 || fail "kafkactl kill failed"
}
