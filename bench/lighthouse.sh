#!/usr/bin/env bash
# Lighthouse (npm) mobile audit of the resident's pages, in Debian's Chromium (CHROME_PATH: no
# browser is downloaded). Usage: bench/lighthouse.sh BASE_URL [REPORT_CODE]
# against a running demo (`make run`, or `gandan serve` on a seeded database). Prints one line
# per page with Lighthouse's four scores and its paint and blocking times. Not part of `make test`.
set -euo pipefail
base=${1:?usage: bench/lighthouse.sh BASE_URL [REPORT_CODE]}
code=${2:-$(curl -sf "$base/api/v1/reports?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["code"])')}
tool=${LIGHTHOUSE_DIR:-${TMPDIR:-/tmp}/gandan-lighthouse}
mkdir -p "$tool"
[ -x "$tool/node_modules/.bin/lighthouse" ] || npm install --silent --prefix "$tool" lighthouse@12
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
flags="--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run"
for page in / /reports/new "/r/$code" /map; do
  out="$tool/report$(echo "$page" | tr '/' '_').json"
  "$tool/node_modules/.bin/lighthouse" "$base$page" --quiet --output=json --output-path="$out" \
    --only-categories=performance,accessibility,best-practices,seo --chrome-flags="$flags"
  python3 - "$out" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
scores = {name: round(c["score"] * 100) for name, c in report["categories"].items()}
a = report["audits"]
print(f'{report["finalDisplayedUrl"]:45} lighthouse {report["lighthouseVersion"]}  '
      + "  ".join(f"{k} {v}" for k, v in scores.items())
      + f'  FCP {a["first-contentful-paint"]["displayValue"]}  LCP {a["largest-contentful-paint"]["displayValue"]}'
      + f'  TBT {a["total-blocking-time"]["displayValue"]}')
PY
done
