#!/usr/bin/env bash
# Where the CPU time goes in the cases whose targets docs/benchmarks.md reports as missed: each case loops for a few
# seconds under `perf record` (Debian's linux-perf; the runtime writes a perf map so JIT-compiled methods have names)
# and the hottest methods go into docs/profiles/<case>.txt.
#   bash bench/profile.sh [seconds]        (from the repository root; apt-get install linux-perf if perf is missing)
# dotnet-trace (10.0.750501 restores here) was tried first: its sampled thread time counts every idle pool thread's
# wait, so on these cases it mostly reports WaitHandle/LowLevelLifoSemaphore waits; perf counts CPU samples only.
set -eu  # no pipefail: `head` closes perf report's pipe early on purpose
seconds="${1:-6}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/docs/profiles"
mkdir -p "$out" "$root/artifacts"
command -v perf >/dev/null || { echo "perf is missing: apt-get update && apt-get install -y linux-perf" >&2; exit 1; }
dotnet build "$root/bench/Concurrency.Strategies.Benchmarks" -c Release -v quiet -nologo >/dev/null
app="$root/bench/Concurrency.Strategies.Benchmarks/bin/Release/net10.0/Concurrency.Strategies.Benchmarks.dll"
for case in thread-tiny async-yield process-auto process-roundtrip; do
  data="$root/artifacts/perf-$case.data"
  log="$root/artifacts/perf-$case.log"
  DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 \
    perf record -F 999 -g -o "$data" dotnet "$app" profile "$case" "$seconds" > "$log" 2>&1
  {
    echo "# $case: perf record -F 999 -g, ${seconds} s, $(nproc) cores, $(date -u +%Y-%m-%d) (the parent process and, for process-*, its workers)"
    grep -E "^$case: " "$log" || true
    echo "# Share of CPU samples by method (self time), hottest first; [k] is the kernel, unnamed addresses are the runtime's native code."
    perf report -i "$data" --no-children --sort symbol --stdio -g none 2>/dev/null \
      | grep -E '^ +[0-9.]+%' | head -40 \
      | sed -E 's/\[(Concurrency\.Strategies[A-Za-z.]*|System\.Private\.CoreLib|System\.[A-Za-z.]*)\] //g; s/Concurrency\.Strategies\.(Internal|Processes|Benchmarks|Async|Threading)\.//g; s/instance //; s/ +- +- *$//; s/\[OptimizedTier1\]|\[Optimized\]|\[QuickJitted\]|\[OptimizedTier1OSR\]//g' \
      | cut -c1-200
  } > "$out/$case.txt"
  rm -f "$data" "$data.old"
  echo "wrote docs/profiles/$case.txt"
done
