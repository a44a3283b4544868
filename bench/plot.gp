# bench/plot.gp - the benchmark's plot, from the files bench/bench.sh writes:
#   gnuplot -e "dir='bench/results'" bench/plot.gp  ->  dir/bench.png
# Top: visits stored per second (PostgreSQL, sampled every second) through
# the steady and the maximum runs. Bottom: freshness of each marker visit
# at the time it was answered: until it shows in /visits.json through
# nginx's cache, and until its row is in PostgreSQL.
if (!exists("dir")) dir = "bench/results"
set terminal pngcairo size 1100,760 font "sans,11"
set output dir."/bench.png"
stats dir."/rate.tsv" using 1 nooutput
set xrange [0:STATS_max]
set multiplot layout 2,1 title "visits: make bench"
set grid
set xlabel "seconds since the start of the benchmark"
set ylabel "visits stored per second"
set format y "%'.0f"
set decimalsign locale "C"
set style data lines
plot dir."/rate.tsv" using 1:2 lw 2 lc rgb "#1f4fb8" title "stored in PostgreSQL"
set ylabel "freshness (ms)"
set format y "%.0f"
set key top right opaque box
plot dir."/freshness.tsv" using ($2/1000.0 - t0):(strcol(1)[1:1] eq "s" && strcol(4) eq "json" ? $3 : 1/0) \
         with points pt 7 ps 0.5 lc rgb "#1f4fb8" title "steady 1,000/s, in /visits.json", \
     "" using ($2/1000.0 - t0):(strcol(1)[1:1] eq "m" && strcol(4) eq "json" ? $3 : 1/0) \
         with points pt 7 ps 0.5 lc rgb "#c0392b" title "maximum throughput, in /visits.json", \
     "" using ($2/1000.0 - t0):(strcol(4) eq "pg" ? $3 : 1/0) \
         with points pt 6 ps 0.4 lc rgb "#999999" title "either, into PostgreSQL"
unset multiplot
