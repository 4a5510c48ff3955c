#!/usr/bin/env bash
# The package check: pack the library (after `dotnet build Concurrency.Strategies.sln -c Release`), then build and
# run fresh consumers that reference the .nupkg by id and version, not by project: a console app (its result is
# written to <results>/package-console.result), a cluster app on the Orleans package (<results>/package-cluster.result)
# and an xunit project (its TRX goes to <results>).
# Usage: bash tests/Concurrency.Strategies.PackageTests/run.sh [results-directory]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
results="$(mkdir -p "${1:-$root/artifacts/test-results}" && cd "${1:-$root/artifacts/test-results}" && pwd)"
packages="$root/artifacts/packages"

# A version of its own per check, so that the NuGet cache never serves an older build of the same version.
prefix="$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' "$root/Directory.Build.props")"
version="$prefix-check.$(date +%s)"

echo "== pack Concurrency.Strategies $version"
rm -rf "$packages"
dotnet pack "$root/src/Concurrency.Strategies/Concurrency.Strategies.csproj" -c Release --no-build -o "$packages" \
  -p:PackageVersion="$version"
if command -v unzip >/dev/null 2>&1; then unzip -l "$packages/Concurrency.Strategies.$version.nupkg"; else echo "(unzip is not installed: the package listing is skipped)"; fi

echo "== pack Concurrency.Strategies.Orleans $version"
dotnet pack "$root/src/Concurrency.Strategies.Orleans/Concurrency.Strategies.Orleans.csproj" -c Release --no-build -o "$packages" \
  -p:PackageVersion="$version"

echo "== console consumer"
rm -f "$results/package-console.result"
if dotnet run --project "$here/ConsoleConsumer" -c Release -p:ConcurrencyStrategiesVersion="$version"; then
  echo passed > "$results/package-console.result"
else
  echo failed > "$results/package-console.result"
fi

echo "== cluster consumer (Concurrency.Strategies.Orleans: a silo and the strategy in one host)"
rm -f "$results/package-cluster.result"
if timeout 300 dotnet run --project "$here/ClusterConsumer" -c Release -p:ConcurrencyStrategiesVersion="$version"; then
  echo passed > "$results/package-cluster.result"
else
  echo failed > "$results/package-cluster.result"
fi

echo "== xunit consumer"
dotnet test "$here/XunitConsumer" -c Release -p:ConcurrencyStrategiesVersion="$version" \
  --logger "trx;LogFileName=package-xunit-consumer.trx" --logger "console;verbosity=normal" --results-directory "$results" \
  --blame-hang-timeout 2m --blame-hang-dump-type none
