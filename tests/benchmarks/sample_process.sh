# Sourced by the benchmark scripts: sample_process PID waits for PID to end
# while sampling /proc, and sets SAMPLED_CPU_MS (user+system time of that
# process alone, not of its children or of processes it detached) and
# SAMPLED_RSS_KB (its peak RSS). The caller still `wait`s for PID's status.
sample_process() {
  local pid=$1 ticks cpu=0 rss=0 r
  ticks=$(getconf CLK_TCK)
  while [ -r "/proc/$pid/stat" ]; do
    # Fields 14 and 15: the process's user and system time, in clock ticks.
    read -r -a f < <(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || break
    [ "${#f[@]}" -gt 13 ] && [ "${f[0]}" != Z ] && cpu=$((f[11] + f[12]))
    r=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null)
    [ -n "$r" ] && rss=$r
    sleep 0.1
  done
  SAMPLED_CPU_MS=$((cpu * 1000 / ticks))
  SAMPLED_RSS_KB=$rss
}
