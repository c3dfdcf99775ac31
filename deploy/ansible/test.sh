#!/usr/bin/env bash
# Runs deploy/ansible/audit.yml with ansible-core (from PyPI, in a throwaway venv) against
# two inventory hosts that are both this machine (ansible_connection=local), with the
# torchward binary under test, and checks every report came back as a JSON report naming its
# host and that `torchward report merge` combined them.
# Usage: deploy/ansible/test.sh [PATH/TO/torchward]   (default: target/debug/torchward)
# Prints `N passed, N failed` last; exits non-zero when anything failed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin=$(realpath "${1:-$repo/target/debug/torchward}")
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
if [ ! -x "$bin" ]; then
    fail "no torchward binary at $bin (build it or pass its path)"
    finish
fi
if ! python3 -m venv "$scratch/venv" >/dev/null 2>&1 ||
    ! "$scratch/venv/bin/pip" install -q ansible-core >"$scratch/pip.log" 2>&1; then
    cat "$scratch/pip.log" 2>/dev/null
    fail "cannot install ansible-core from PyPI"
    finish
fi

# A model store with one file for audit perms, and the inventory: two names, one machine
# (the merge play runs on Ansible's implicit localhost).
mkdir -p "$scratch/store" && echo weights >"$scratch/store/model.bin"
cat >"$scratch/inventory" <<INV
node-a ansible_connection=local ansible_python_interpreter=$scratch/venv/bin/python
node-b ansible_connection=local ansible_python_interpreter=$scratch/venv/bin/python
INV
# Does this torchward have `report merge`? (It arrived on its own branch.)
merge=false
if "$bin" report merge --help 2>/dev/null | grep -q "Usage: torchward report merge"; then merge=true; fi
cat >"$scratch/vars.json" <<VARS
{"torchward_bin": "$bin", "torchward_controller_bin": "$bin",
 "torchward_perms_paths": ["$scratch/store"], "torchward_results_dir": "$scratch/results",
 "torchward_merge": $merge}
VARS

if ANSIBLE_CONFIG="$here/ansible.cfg" ANSIBLE_LOCAL_TEMP="$scratch/ansible-tmp" \
    ANSIBLE_HOME="$scratch/ansible-home" \
    "$scratch/venv/bin/ansible-playbook" -i "$scratch/inventory" \
    -e "@$scratch/vars.json" "$here/audit.yml" >"$scratch/play.log" 2>&1; then
    pass "the playbook ran on both hosts"
else
    tail -n 40 "$scratch/play.log"
    fail "the playbook failed"
fi

for host in node-a node-b; do
    for audit in host env perms; do
        report="$scratch/results/$host/$audit.json"
        if "$scratch/venv/bin/python" - "$report" "$host" "$audit" <<'PY'; then
import json, sys
path, host, audit = sys.argv[1:]
report = json.load(open(path))
assert report["command"] == "audit " + audit, report.get("command")
# Reports record the host they ran on (TORCHWARD_HOST_NAME) once that field exists.
if "host" in report:
    assert report["host"] == host, report["host"]
if audit == "perms":
    assert report["stats"]["inputs"] >= 1, report["stats"]
PY
            pass "$host: audit $audit came back as a JSON report"
        else
            fail "$host: audit $audit report missing or wrong at $report"
        fi
    done
done

if [ "$merge" = true ]; then
    fleet="$scratch/results/fleet.md"
    if [ -s "$fleet" ] && grep -q node-a "$fleet" && grep -q node-b "$fleet"; then
        pass "report merge combined both hosts into results/fleet.md"
    else
        fail "report merge did not name both hosts in $fleet"
    fi
else
    echo "SKIP: report merge: this torchward has no \`report merge\` (not merged into this branch yet)"
fi
finish
