# make bench's figure: gnuplot -e "dir='build/bench/plot'" -e "out='build/bench/latency.png'" plot.gp
# Reads what test/bench/bench-report.py wrote into dir: iops.dat, mean.dat,
# p99.dat (one row per workload point, one column per engine, medians),
# cdf-<engine>.dat (latency, cumulative fraction at random-read QD 32),
# engines.txt, cdf-engines.txt, cdf-coarse.txt (percentile points only) and title.txt.
if (!exists("dir")) dir = 'build/bench/plot'
if (!exists("out")) out = 'build/bench/latency.png'

engines = system("cat '".dir."/engines.txt'")
cdf_engines = system("cat '".dir."/cdf-engines.txt' 2>/dev/null")
cdf_coarse = system("cat '".dir."/cdf-coarse.txt' 2>/dev/null")
heading = system("cat '".dir."/title.txt' 2>/dev/null")
n = words(engines)
coarse(e) = sum [i=1:words(cdf_coarse)] (word(cdf_coarse,i) eq e ? 1 : 0)

colour(e) = e eq 'pnvme' ? '#1f4e9c' : e eq 'pnvme-shadow' ? '#79a6e6' : \
            e eq 'fio-pnvme' ? '#7a3f9a' : e eq 'io_uring' ? '#d9661f' : '#3f9a3f'
label(e) = e eq 'pnvme' ? 'pnvme, MMIO doorbells' : \
           e eq 'pnvme-shadow' ? 'pnvme, shadow doorbells' : \
           e eq 'fio-pnvme' ? 'fio + pnvme ioengine' : \
           e eq 'io_uring' ? 'fio io_uring --hipri' : 'fio io_uring_cmd --hipri'

set terminal pngcairo size 1500,1050 font 'DejaVu Sans,11' noenhanced
set output out
set datafile missing 'NaN'
set multiplot layout 2,2 title heading font ',13'

set style data histograms
set style histogram clustered gap 1
set style fill solid 0.9 border rgb '#404040'
set boxwidth 0.9
set logscale y
set grid ytics mytics lc rgb '#dddddd'
set key below horizontal maxrows 2 width 2
set xtics nomirror
set format y '%.0s%c'

set title 'IOPS (log scale; higher is better)'
set ylabel 'IOPS'
plot for [i=1:n] dir.'/iops.dat' using (column(i+1)):xtic(1) \
     title label(word(engines,i)) lc rgb colour(word(engines,i))

set format y '%g'
set title 'Mean latency (log scale; lower is better)'
set ylabel 'microseconds'
plot for [i=1:n] dir.'/mean.dat' using (column(i+1)):xtic(1) \
     title label(word(engines,i)) lc rgb colour(word(engines,i))

set title 'p99 latency (log scale; lower is better)'
plot for [i=1:n] dir.'/p99.dat' using (column(i+1)):xtic(1) \
     title label(word(engines,i)) lc rgb colour(word(engines,i))

set style data lines
set title 'Latency distribution, random read QD 32 (all repeats)'
set xlabel 'latency, microseconds (log scale)'
set ylabel 'fraction of I/Os completed within'
unset logscale y
set logscale x
set format x '%g'
set yrange [0:1.02]
set ytics 0.1
set grid xtics ytics mxtics lc rgb '#dddddd'
set key inside bottom right vertical maxrows 4
if (words(cdf_engines) > 0) {
    plot for [e in cdf_engines] dir.'/cdf-'.e.'.dat' using 1:2 \
         title label(e).(coarse(e) ? ' (min, p50, p99, p99.9, max only)' : '') \
         with linespoints pt 7 ps (coarse(e) ? 1 : 0) lw 2.5 lc rgb colour(e)
} else {
    unset logscale x
    set label 1 'no latency distribution measured' at graph 0.5,0.5 center
    plot [0:1] NaN notitle
}
unset multiplot
