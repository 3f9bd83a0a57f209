#!/usr/bin/env bash
# libFuzzer (with AddressSanitizer) on the parsers that read untrusted bytes: the FastCGI request parsing
# (Sources/FastCGI: ParamParser, Request, FormValues, Multipart) and the CSV importer's row parser
# (Sources/Core/Profiles). Each target is the parser's own source files compiled with an entry file from
# Tests/Fuzz/ by swiftc -sanitize=fuzzer,address into .build/fuzz/<target>, and run FUZZ_SECONDS (default 60)
# from the seeds in Tests/Fixtures/fuzz/<target>/ (with <target>.dict as a libFuzzer dictionary). Prints execs/s, coverage and crashes per target; a crash
# input is kept in test-output/fuzz/<target>/ and the script exits non-zero.
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${FUZZ_SECONDS:-60}"
OUT=.build/fuzz
mkdir -p "$OUT" test-output/fuzz

declare -A SOURCES=(
  [fastcgi-request]="Sources/FastCGI/ParamParser.swift Sources/FastCGI/Request.swift Sources/FastCGI/FormValues.swift Sources/FastCGI/Multipart.swift Tests/Fuzz/FastCGIRequestFuzz.swift"
  [csv-rows]="Sources/Core/Profiles/CSVRowParser.swift Sources/Core/Profiles/CSVProfiles.swift Sources/Core/Profiles/ProfileValidation.swift Sources/Core/Profiles/ProfileAttributes.swift Sources/Core/Profiles/StandardValues.swift Sources/Core/Canvas/ProfileValue.swift Sources/Core/JSON/JSONValueReader.swift Sources/Core/JSON/JSONValue.swift Sources/Core/Privacy/ConsentPolicy.swift Sources/Core/Identifiers/PreHashed.swift Sources/Core/Canvas/FilterValueParsing.swift Sources/Core/Identifiers/Countries.swift Sources/Core/Identifiers/CountryTable.swift Sources/Core/Identifiers/Normalize.swift Sources/Core/JSON/JSONText.swift Sources/Core/TextRules.swift Sources/Core/ASCII.swift Tests/Fuzz/CSVRowsFuzz.swift"
)
TARGETS="${FUZZ_TARGETS:-fastcgi-request csv-rows}"

status=0
summary=()
for target in $TARGETS; do
  echo "== $target: building"
  # shellcheck disable=SC2086
  if ! swiftc -sanitize=fuzzer,address -parse-as-library -Onone -g -module-name "Fuzz_${target//-/_}" \
       ${SOURCES[$target]} -o "$OUT/$target" 2> "$OUT/$target.build.log"; then
    grep -v "Cannot export local symbol" "$OUT/$target.build.log" >&2
    echo "$target: build failed" >&2; exit 2
  fi
  corpus="$OUT/$target-corpus"; crashes="test-output/fuzz/$target"
  mkdir -p "$corpus" "$crashes"
  echo "== $target: fuzzing ${SECONDS_EACH}s"
  dict=(); [ -f "Tests/Fixtures/fuzz/$target.dict" ] && dict=(-dict="Tests/Fixtures/fuzz/$target.dict")
  "$OUT/$target" "$corpus" "Tests/Fixtures/fuzz/$target" "${dict[@]}" -max_total_time="$SECONDS_EACH" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$crashes/" > "$OUT/$target.log" 2>&1
  code=$?
  last=$(grep -E "^#[0-9]+" "$OUT/$target.log" | tail -1)
  execs=$(grep -E "stat::number_of_executed_units" "$OUT/$target.log" | awk '{print $2}')
  rate=$(grep -E "stat::average_exec_per_sec" "$OUT/$target.log" | awk '{print $2}')
  cov=$(echo "$last" | grep -oE "cov: [0-9]+" | awk '{print $2}')
  ft=$(echo "$last" | grep -oE "ft: [0-9]+" | awk '{print $2}')
  corp=$(echo "$last" | grep -oE "corp: [0-9]+" | awk '{print $2}')
  found=$(find "$crashes" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l)
  line="$target: ${execs:-?} execs, ${rate:-?} execs/s, coverage ${cov:-?} edges / ${ft:-?} features, corpus ${corp:-?}, crashes $found (exit $code)"
  summary+=("$line")
  if [ "$code" -ne 0 ] || [ "$found" -ne 0 ]; then
    status=1
    grep -E "ERROR|Fatal error|SUMMARY|precondition|artifact" "$OUT/$target.log" | head -20 >&2
  fi
done
echo
printf '%s\n' "${summary[@]}"
printf '%s\n' "${summary[@]}" | python3 -c '
import json, re, sys
rows = []
for line in sys.stdin:
    m = re.match(r"(\S+): (\S+) execs, (\S+) execs/s, coverage (\S+) edges / (\S+) features, corpus (\S+), crashes (\d+)", line)
    if m:
        rows.append(dict(zip(["target", "execs", "execs_per_s", "edges", "features", "corpus", "crashes"], m.groups())))
json.dump({"seconds_each": int(sys.argv[1]), "targets": rows}, open("test-output/fuzz-parsers.json", "w"), indent=2)
' "$SECONDS_EACH"
exit $status
