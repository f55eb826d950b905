#!/usr/bin/env bash
# The project's test command: builds Zamio.sln (Release), runs every test project, and ends with exactly one
# summary line "N passed, N failed" summed from the TRX reports. Exits non-zero when the build fails, a test
# fails, a test host dies without a report, or no test ran at all.
#
# Tests that need real servers read these variables (defaults match scripts/services.sh start):
#   ZAMIO_TEST_PG     Npgsql connection string   Host=127.0.0.1;Username=zamio;Password=zamio;Database=zamio
#   ZAMIO_TEST_REDIS  StackExchange.Redis config  127.0.0.1:6379
#   ZAMIO_TEST_MQTT   host:port of an MQTT broker 127.0.0.1:1883
# Other variables:
#   ZAMIO_TEST_RESULTS  where TRX reports go (default TestResults/ in the repository, emptied first)
#   extra arguments are passed to every `dotnet test` (e.g. --filter "FullyQualifiedName~Wire")
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

export ZAMIO_TEST_PG=${ZAMIO_TEST_PG:-"Host=127.0.0.1;Username=zamio;Password=zamio;Database=zamio"}
export ZAMIO_TEST_REDIS=${ZAMIO_TEST_REDIS:-127.0.0.1:6379}
export ZAMIO_TEST_MQTT=${ZAMIO_TEST_MQTT:-127.0.0.1:1883}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
RESULTS=${ZAMIO_TEST_RESULTS:-$ROOT/TestResults}
rm -rf "$RESULTS"
mkdir -p "$RESULTS"

if ! dotnet build Zamio.sln -c Release -v minimal; then
  echo "BUILD FAILED"
  echo "0 passed, 0 failed"
  exit 1
fi

# One `dotnet test` per test project, each with its own TRX name: on a solution-wide run every project writes
# the same LogFileName and each report overwrites the previous one. Running them one after another also keeps
# the CPU-time-sensitive tests from competing with each other.
mapfile -t projects < <(dotnet sln Zamio.sln list | tr '\\' '/' | grep -E '\.Tests\.csproj$')
if [ ${#projects[@]} -eq 0 ]; then
  echo "no test projects found in Zamio.sln"
  echo "0 passed, 0 failed"
  exit 1
fi

status=0
for project in "${projects[@]}"; do
  name=$(basename "$project" .csproj)
  echo "=== $name"
  dotnet test "$project" -c Release --no-build --results-directory "$RESULTS" \
    --logger "trx;LogFileName=$name.trx" "$@" || status=1
  if [ ! -s "$RESULTS/$name.trx" ]; then
    echo "$name: no TRX report (test host crashed or did not start)"
    status=1
  fi
done

# Sum the counters of all reports. Errors, timeouts and aborts count as failures. The TRX logger leaves
# notExecuted at 0 for xunit skips, so skipped = total - executed.
summary=$(python3 - "$RESULTS" <<'PY'
import glob, os, sys
import xml.etree.ElementTree as ET
ns = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
passed = failed = skipped = 0
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.trx"))):
    counters = ET.parse(path).getroot().find(f"{ns}ResultSummary/{ns}Counters")
    if counters is None:
        failed += 1
        continue
    c = lambda k: int(counters.get(k, "0"))
    passed += c("passed")
    failed += c("failed") + c("error") + c("timeout") + c("aborted")
    skipped += max(c("total") - c("executed"), 0)
print(passed, failed, skipped)
PY
) || { echo "could not read TRX reports"; summary="0 1 0"; status=1; }
read -r passed failed skipped <<<"$summary"

echo "skipped: $skipped (reports in $RESULTS)"
if [ "$failed" -gt 0 ]; then status=1; fi
if [ "$passed" -eq 0 ]; then echo "no test passed: treating the run as failed"; status=1; fi
echo "$passed passed, $failed failed"
exit "$status"
