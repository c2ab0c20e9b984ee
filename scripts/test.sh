#!/usr/bin/env bash
# Installs what the tests need, starts the services they use, then runs lint and pytest.
# On Debian as root it installs Mosquitto, PostgreSQL, Chromium, espeak-ng and sox when they
# are missing; elsewhere those tests skip with a reason (in CI, CI=true, they fail instead).
# The Python side (pytest, Playwright's driver, schemathesis, ruff) is the `test` extra.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[test.sh] %s\n' "$*"; }

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  need=()
  [ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null 2>&1 || need+=(mosquitto)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
  # the monthly report: pdftotext/pdftoppm read the PDFs, DejaVu carries the diacritics
  command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
  ldconfig -p | grep -q libpangoft2-1.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
  command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)  # bulletins: Vietnamese speech
  command -v sox >/dev/null 2>&1 || need+=(sox)  # bulletins: audio conversion
  if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  if command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_isready -h 127.0.0.1 -q 2>/dev/null; then
    log "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -q 2>/dev/null && break; sleep 1; done
  fi
  if pg_isready -h 127.0.0.1 -q 2>/dev/null && [ -z "${COC_TEST_PG_URL:-}" ]; then
    if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1; then
      # A fresh Debian cluster asks for a password on TCP: give the test role one.
      su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'coc-test'\"" >/dev/null
      export COC_TEST_PG_URL="postgresql+psycopg://postgres:coc-test@127.0.0.1:5432/postgres"
    fi
  fi
fi

if [ ! -x .venv/bin/python ]; then
  log "creating .venv"
  python3 -m venv .venv
fi
log "installing Python packages"
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
# Tools the tests run as commands come with the `test` extra; say so now, not as a skip.
for tool in schemathesis ruff; do
  if [ ! -x ".venv/bin/$tool" ]; then
    log "$tool is missing from .venv after installing '.[test]'"
    if [ "${CI:-}" = true ]; then exit 1; fi
  fi
done

log "ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

log "import contracts"
.venv/bin/lint-imports --no-cache

log "pytest"
# Two workers by default (pytest-xdist; the suite's tests each use their own ports, files and
# databases); COC_TEST_WORKERS=0 runs in this one process.
exec .venv/bin/python -m pytest -n "${COC_TEST_WORKERS:-2}" "$@"
