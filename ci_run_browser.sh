# Proposal for .ci/run (tests/test_browser_*.py): put these lines before the test command.
# Idempotent and quiet; needs root (CI containers) or passwordless sudo.
# Chromium (Debian's package; playwright drives it through executable_path, no
# `playwright install`), Noto fonts for Sinhala, axe-core from the lockfile, and
# REQUIRE_BROWSER=1 so that a missing browser fails the browser tests instead of skipping.
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
if ! command -v chromium >/dev/null 2>&1 || [ -z "$(fc-list :lang=si family 2>/dev/null)" ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        chromium fonts-noto-core >/dev/null
fi
python -m pip install -q --disable-pip-version-check --root-user-action=ignore playwright
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
export REQUIRE_BROWSER=1
