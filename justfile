# Every command a person runs. On a fresh machine use ./just (it installs `just` first).

set shell := ["bash", "-euo", "pipefail", "-c"]

# Where the models live (outside the repo); `ekyc-gateway` reads the same variable.
export EKYC_MODEL_DIR := env_var_or_default("EKYC_MODEL_DIR", env_var_or_default("XDG_CACHE_HOME", env_var("HOME") / ".cache") / "ekyc-gateway/models")

default:
    @just --list

# The Debian packages come first: Tesseract is the engine's reader for Vietnamese text (docs/models.md).
# Build the release binary and fetch, convert and verify the models (idempotent; offline once cached).
setup: system-packages
    cargo build --release --locked -p ekyc-gateway
    ./target/release/ekyc-gateway models setup

# Set everything up, then start the gateway with its embedded defaults (shared listener :8080, stateless :3000).
run *ARGS: setup
    ./target/release/ekyc-gateway serve {{ARGS}}

# Every test of every crate (real models, real HTTP, the vendor's npm client); models and clients set up first.
# The last line sums every test binary's result ("N passed, N failed").
test: vendor-clients system-packages
    cargo build --locked --workspace --all-targets
    ./target/debug/ekyc-gateway models setup
    cargo test --locked --workspace --no-fail-fast 2>&1 | tee target/test-output.txt
    awk '/^test result:/ { passed += $4; failed += $6 } END { printf "%d passed, %d failed\n", passed, failed; exit failed > 0 }' target/test-output.txt

# Debian packages: DejaVu fonts render the tests' synthetic ID cards; Tesseract with its English and
# Vietnamese data is the engine's reader for Vietnamese text (docs/models.md). One apt-get call installs
# whatever is missing.
system-packages:
    #!/usr/bin/env bash
    set -euo pipefail
    missing=()
    [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || missing+=(fonts-dejavu-core)
    if ! tesseract --list-langs 2>/dev/null | grep -x vie >/dev/null; then
      missing+=(tesseract-ocr tesseract-ocr-eng tesseract-ocr-vie)
    fi
    [ ${#missing[@]} -eq 0 ] && exit 0
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" \
      || echo "!!! could not install ${missing[*]}: the synthetic ID card tests will skip, and Vietnamese text cannot be read" >&2

# clients/trustvision-sdk/package-lock.json pins @tsocial/trustvision-sdk 2.11.2 and its dependencies.
# The vendor clients the tests drive unchanged, installed from the npm registry exactly as locked.
vendor-clients:
    npm ci --prefix clients/trustvision-sdk --no-audit --no-fund --loglevel=error

# Benchmarks (figures go to docs/benchmarks.md), with the Python face_recognition peer side by side.
bench: setup peer
    EKYC_PEER_PYTHON="$EKYC_MODEL_DIR/../peer-venv/bin/python" cargo bench --locked -p ekyc-gateway --bench compare
    cargo bench --locked -p ekyc-command --bench search
    cargo bench --locked -p ekyc-command --bench store_scale
    cargo bench --locked -p ekyc-command --bench documents

# The peer for `bench`: face_recognition 1.3.0 on prebuilt dlib, hash-pinned, in a venv in the cache.
peer:
    #!/usr/bin/env bash
    set -euo pipefail
    venv="$EKYC_MODEL_DIR/../peer-venv"
    [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import face_recognition' 2>/dev/null && exit 0
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes -r bench/peer/requirements.txt
    "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes --no-deps -r bench/peer/requirements-nodeps.txt

# Refit the score calibration on real face photos (docs/calibration.md says which).
calibrate: setup
    python3 tools/datasets/fetch_calibration_faces.py "$EKYC_MODEL_DIR/../calibration-faces"
    cargo run --release --locked -p ekyc-command --example calibrate -- \
        --out crates/command/calibration/dlib-resnet-v1-faceapi-1.7.15.json \
        ../shared/data/faces "$EKYC_MODEL_DIR/../calibration-faces"

# Replay a dialect's fixtures against any endpoint speaking it (this gateway or the vendor); a JSON report of
# every difference goes to contract-report-<dialect>.json. E.g. `just contract trustvision http://127.0.0.1:8080/api ID:SECRET`.
contract DIALECT BASE_URL *KEYS:
    cargo run --locked --release -p ekyc-gateway -- contract verify --dialect {{DIALECT}} --base-url {{BASE_URL}} {{ if KEYS == "" { "" } else { "--keys " + KEYS } }}

# Route coverage of the fixtures, and the compatibility tables regenerated from the route catalogues.
compatibility:
    cargo run --locked -p ekyc-gateway -- contract coverage
    cargo run --locked -p ekyc-gateway -- contract table --write docs/compatibility.md

fmt:
    cargo fmt --all

lint:
    cargo fmt --all -- --check
    cargo clippy --locked --workspace --all-targets -- -D warnings
