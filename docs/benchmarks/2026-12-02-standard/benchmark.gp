set terminal pngcairo size 1600,1100 font 'sans,10'
set output '/work/chk/rt/benchmarks/20261202T175443Z-16895/benchmark.summary.png'
tools = 'vykar borg kopia restic rustic'
n = words(tools)
w = 0.8 / (n > 0 ? n : 1)
set termoption noenhanced
set style fill solid 0.85 border -1
set boxwidth w
set grid ytics
set key outside right top vertical
set offsets 0, 0, graph 0.05, 0
set xtics ("init" 0, "backup_1" 1, "backup_2" 2, "backup_unchanged" 3, "restore" 4, "check" 5, "check_verify" 6, "delete_reclaim" 7) rotate by -30
set xrange [-0.6:7.6]
set yrange [0:*]
set multiplot layout 2,2 title 'backup tools per phase (mean of the measured runs)'
set title 'duration (s)'
plot for [k=0:n-1] '/work/chk/rt/benchmarks/20261202T175443Z-16895/benchmark.dat' using ($3==k ? $1 : 1/0):6 with boxes lc k+1 title word(tools, k+1)
set title 'peak RSS (MiB)'
plot for [k=0:n-1] '/work/chk/rt/benchmarks/20261202T175443Z-16895/benchmark.dat' using ($3==k ? $1 : 1/0):7 with boxes lc k+1 title word(tools, k+1)
set title 'CPU seconds (user + sys; sys hatched at the bottom)'
plot for [k=0:n-1] '/work/chk/rt/benchmarks/20261202T175443Z-16895/benchmark.dat' using ($3==k ? $1 : 1/0):10 with boxes lc k+1 title word(tools, k+1), '/work/chk/rt/benchmarks/20261202T175443Z-16895/benchmark.dat' using 1:9 with boxes fs pattern 2 border -1 lc rgb 'black' title 'sys'
set title 'repository size after the phase (MiB)'
plot for [k=0:n-1] '/work/chk/rt/benchmarks/20261202T175443Z-16895/benchmark.dat' using ($3==k ? $1 : 1/0):11 with boxes lc k+1 title word(tools, k+1)
unset multiplot
