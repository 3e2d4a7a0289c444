#!/usr/bin/env bash
# The whole test suite, from a fresh clone: `npm test` (README's second command).
# Installs what it needs (apt packages when root and missing, npm packages), starts PostgreSQL when it
# is down, then runs typecheck, lint, unit + integration (vitest) and browser tests (Playwright), and
# ends with one line "N passed, N failed" summing every runner.
set -uo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive npm_config_nodedir=${npm_config_nodedir:-/usr} JOBS=max
mkdir -p test-results
passed=0; failed=0
step() { printf '\n=== %s ===\n' "$*"; }
count() { passed=$((passed + $1)); failed=$((failed + $2)); }

step "system packages"
need=()
command -v socat >/dev/null || need+=(socat)
command -v chromium >/dev/null || need+=(chromium)
command -v ffmpeg >/dev/null || need+=(ffmpeg)
command -v xvfb-run >/dev/null || need+=(xvfb)
command -v psql >/dev/null || need+=(postgresql)
command -v ip >/dev/null || need+=(iproute2)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing: ${need[*]}"
    apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null || echo "warning: apt-get install failed"
  else
    echo "missing (run as root to install): ${need[*]}"
  fi
else
  echo "socat, chromium, ffmpeg, xvfb, postgresql, iproute2: present"
fi

step "PostgreSQL"
if command -v pg_lsclusters >/dev/null; then
  if ! pg_lsclusters --no-header 2>/dev/null | grep -q online; then
    ver=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)
    [ -n "$ver" ] && { pg_ctlcluster --skip-systemctl-redirect "$ver" main start || pg_ctlcluster "$ver" main start; } || true
  fi
fi
export VIGIL_TEST_PG_URL=${VIGIL_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
if psql "$VIGIL_TEST_PG_URL" -qAtc 'select 1' >/dev/null 2>&1; then echo "PostgreSQL reachable"; else
  # TCP may need a password role (scram): make one for the tests when we can.
  if [ "$(id -u)" = 0 ] && command -v su >/dev/null; then
    su postgres -c "psql -qc \"DO \\\$\\\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='vigil_test') THEN CREATE ROLE vigil_test LOGIN SUPERUSER PASSWORD 'vigil_test'; END IF; END\\\$\\\$\"" >/dev/null 2>&1 || true
    su postgres -c "psql -qc 'CREATE DATABASE test'" >/dev/null 2>&1 || true
    export VIGIL_TEST_PG_URL=postgres://vigil_test:vigil_test@127.0.0.1:5432/test
  fi
  psql "$VIGIL_TEST_PG_URL" -qAtc 'select 1' >/dev/null 2>&1 && echo "PostgreSQL reachable" || echo "warning: PostgreSQL not reachable; its tests will fail"
fi

step "npm packages"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }; else echo "node_modules up to date"; fi

step "typecheck"
if npm run -s typecheck; then count 1 0; echo "typecheck: ok"; else count 0 1; echo "typecheck: FAILED"; fi

step "lint"
if npm run -s lint; then count 1 0; echo "lint: ok"; else count 0 1; echo "lint: FAILED"; fi

step "build"
if npx electron-vite build --logLevel warn; then count 1 0; else count 0 1; echo "build: FAILED"; fi

step "unit + integration (vitest)"
rm -f test-results/vitest.json
npx vitest run --config test/vitest.config.ts --reporter=default --reporter=json --outputFile.json=test-results/vitest.json
if [ -f test-results/vitest.json ]; then
  read -r vp vf < <(node -e "const r=JSON.parse(require('fs').readFileSync('test-results/vitest.json','utf8'));console.log(r.numPassedTests, r.numFailedTests + (r.numTotalTestSuites && r.testResults.filter(t=>t.status==='failed'&&t.assertionResults.length===0).length))")
  echo "vitest: $vp passed, $vf failed"; count "$vp" "$vf"
else echo "vitest: no results"; count 0 1; fi

step "browser (Playwright, Debian Chromium)"
rm -f test-results/playwright.json
npx playwright test -c test/playwright.config.ts
if [ -f test-results/playwright.json ]; then
  read -r pp pf < <(node -e "const r=JSON.parse(require('fs').readFileSync('test-results/playwright.json','utf8'));const s=r.stats;console.log(s.expected, s.unexpected + s.flaky*0)")
  echo "playwright: $pp passed, $pf failed"; count "$pp" "$pf"
else echo "playwright: no results"; count 0 1; fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
