#!/usr/bin/env bash
# The install paths users take, tested for real (run by .ci/run after the test suite):
#   1. `pip wheel .` builds the maturin binary wheel; it holds only the executable;
#   2. the wheel installs into a fresh virtualenv and `torchward` works from its bin/;
#   3. the packaging files agree (ci/check_packaging.py);
#   4. the pre-commit hooks fail and pass as documented, through `pre-commit try-repo`;
#   5. the GitHub Action's script writes SARIF that validates against the SARIF 2.1.0 schema.
# pip, maturin, pre-commit, PyYAML and jsonschema come from PyPI into a throwaway venv.
# Prints `N passed, N failed` last; exits non-zero on any failure.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAILED: $*" >&2; failed=$((failed + 1)); }
step() { echo "== $* ($(date +%T))"; }

# Release builds share the checkout's target directory, so the pre-commit build (a clone
# elsewhere) compiles only the workspace crates, not every dependency again.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

step "tools into a throwaway venv"
python3 -m venv "$work/tools"
"$work/tools/bin/pip" install --quiet --disable-pip-version-check maturin pre-commit pyyaml jsonschema

step "pip wheel ."
start=$SECONDS
# pip's PEP 517 build asks maturin for a plain `linux` tag (fine for a local install); a wheel to
# hand on gets the manylinux tag the binary qualifies for.
MATURIN_PEP517_ARGS="--compatibility manylinux_2_34" \
  "$work/tools/bin/pip" wheel --quiet --no-deps --wheel-dir "$work/wheels" "$root"
wheel="$(ls "$work"/wheels/torchward-*.whl)"
echo "built $(basename "$wheel"): $(stat -c %s "$wheel") bytes in $((SECONDS - start)) s"
contents="$("$work/tools/bin/python" -m zipfile -l "$wheel" | awk 'NR > 1 {print $1}')"
if grep -vE '^torchward-[^/]+\.(data/scripts/torchward|dist-info/.*)$' <<<"$contents" | grep -q .; then
  bad "the wheel holds more than the executable: $contents"
else
  ok "the wheel holds only the torchward executable (and its metadata)"
fi
case "$(basename "$wheel")" in
  *manylinux*_x86_64.whl | *manylinux*_aarch64.whl) ok "manylinux platform tag" ;;
  *) bad "no manylinux tag: $(basename "$wheel")" ;;
esac

step "install into a fresh venv"
python3 -m venv "$work/user"
"$work/user/bin/pip" install --quiet --disable-pip-version-check "$wheel"
tw="$work/user/bin/torchward"
if "$tw" --version | grep -q "^torchward $(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)$"; then
  ok "torchward --version from the venv matches Cargo's version"
else
  bad "torchward --version: $("$tw" --version)"
fi
rc=0
(cd "$root" && "$tw" scan examples >"$work/scan.txt") || rc=$?
if [[ $rc == 1 ]] && grep -q "TW101" "$work/scan.txt"; then
  ok "installed torchward scan examples: findings, exit 1"
else
  bad "installed torchward scan examples: exit $rc"
fi

step "packaging files agree"
if TORCHWARD="$tw" "$work/tools/bin/python" "$root/ci/check_packaging.py"; then
  ok "pyproject.toml, release workflow, action and hooks agree"
else
  bad "ci/check_packaging.py"
fi

step "pre-commit hooks"
# Each `pre-commit try-repo` builds the hook environment (pip install of the repository: the
# wheel again) in a store of its own, so it runs once, on the failing lint case; the other
# cases run through a scratch repository whose .pre-commit-config.yaml points at this
# checkout's HEAD, so their environment is built once and reused.
scratch="$work/scratch"
mkdir -p "$scratch"
git -C "$scratch" init --quiet
printf 'import torch\n\nmodel = torch.load(path)\n' >"$scratch/bad_load.py"
printf 'import torch\n\nmodel = torch.load(path, weights_only=True)\n' >"$scratch/good_load.py"
cp "$root/examples/evil-system.pt" "$scratch/evil.pt"
cp "$root/examples/resnet-tiny.pt" "$scratch/weights.pt"
cat >"$scratch/.pre-commit-config.yaml" <<YAML
repos:
  - repo: $root
    rev: $(git -C "$root" rev-parse HEAD)
    hooks:
      - id: torchward-lint
      - id: torchward-scan
      - id: torchward-scan-binary
YAML
git -C "$scratch" add -A
export PRE_COMMIT_HOME="$work/pre-commit-home"
expect() { # expect EXPECTED_RC LABEL COMMAND...
  local expected="$1" label="$2"
  shift 2
  local rc=0
  (cd "$scratch" && "$@") >"$work/hook.log" 2>&1 || rc=$?
  if [[ $rc == "$expected" ]]; then
    ok "$label exits $rc"
  else
    bad "$label exits $rc, expected $expected"
    cat "$work/hook.log" >&2
  fi
}
pc="$work/tools/bin/pre-commit"
start=$SECONDS
expect 1 "pre-commit try-repo torchward-lint on bad_load.py" "$pc" try-repo "$root" torchward-lint --files bad_load.py
echo "try-repo (builds its hook environment): $((SECONDS - start)) s"
start=$SECONDS
expect 0 "pre-commit torchward-lint on good_load.py" "$pc" run torchward-lint --files good_load.py
echo "first configured run (builds the hook environment): $((SECONDS - start)) s"
expect 1 "pre-commit torchward-lint on bad_load.py" "$pc" run torchward-lint --files bad_load.py
expect 1 "pre-commit torchward-scan on evil.pt" "$pc" run torchward-scan --files evil.pt
expect 0 "pre-commit torchward-scan on weights.pt good_load.py" "$pc" run torchward-scan --files weights.pt good_load.py
expect 1 "pre-commit torchward-scan-binary on evil.pt weights.pt" "$pc" run torchward-scan-binary --files evil.pt weights.pt

step "the action's script on a scratch tree"
sarif="$work/action.sarif"
rc=0
(cd "$scratch" && TORCHWARD="$tw" TORCHWARD_COMMAND=scan TORCHWARD_ARGS=. TORCHWARD_SARIF="$sarif" \
  GITHUB_OUTPUT="$work/outputs" "$root/scripts/action.sh" run >"$work/annotations.txt") || rc=$?
if [[ $rc == 1 ]] && grep -qE '^::error file=(\./)?evil\.pt' "$work/annotations.txt" && grep -q '^exit-code=1$' "$work/outputs"; then
  ok "action script: annotations, exit-code output 1"
else
  bad "action script: exit $rc"
fi
if "$work/tools/bin/python" - "$sarif" "$root/crates/tw-report/tests/data/sarif-schema-2.1.0.json" <<'PY'
import json, sys
import jsonschema
sarif, schema = (json.load(open(p)) for p in sys.argv[1:3])
jsonschema.Draft7Validator(schema).validate(sarif)
results = sarif["runs"][0]["results"]
assert results and all(r.get("partialFingerprints") for r in results), "results need partialFingerprints"
assert all(r.get("helpUri") for r in sarif["runs"][0]["tool"]["driver"]["rules"]), "rules need helpUri"
PY
then
  ok "the action's SARIF validates against the SARIF 2.1.0 schema"
else
  bad "the action's SARIF does not validate"
fi
rc=0
(cd "$scratch" && TORCHWARD="$tw" TORCHWARD_COMMAND=lint TORCHWARD_ARGS=good_load.py \
  TORCHWARD_SARIF="$work/lint.sarif" "$root/scripts/action.sh" run >/dev/null) || rc=$?
if [[ $rc == 0 ]]; then ok "action script on a clean file exits 0"; else bad "action script, clean file: exit $rc"; fi

echo "packaging: $passed passed, $failed failed"
[[ $failed == 0 ]]
