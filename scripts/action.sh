#!/usr/bin/env bash
# What the torchward GitHub Action (action.yml) runs, as a plain script so that it can be run
# and tested anywhere (.ci/run runs it on a scratch tree):
#   scripts/action.sh install   install torchward into a private virtualenv, put it on PATH
#   scripts/action.sh run       run one command, write SARIF, print GitHub annotations
# Inputs come from the environment (the action maps its inputs onto these):
#   TORCHWARD_COMMAND   scan | lint | urls | api | audit ... (default: scan)
#   TORCHWARD_ARGS      the arguments after the command, split on white space (default: .)
#   TORCHWARD_FAIL_ON   severity that fails the step: info|low|medium|high|critical (default: low)
#   TORCHWARD_SARIF     where to write the SARIF file (default: torchward.sarif)
#   TORCHWARD_VERSION   install: version from PyPI, empty for the latest
#   TORCHWARD_SOURCE    install: a directory to `pip install` instead of PyPI (needs Rust)
#   TORCHWARD           run: the torchward executable (default: torchward on PATH)
# Outputs (to $GITHUB_OUTPUT when set): sarif-file, exit-code (0 clean, 1 findings, 2 errors).
# The exit status of `run` is the exit code: 1 for findings at or above TORCHWARD_FAIL_ON.
set -euo pipefail

output() {
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  fi
}

install() {
  local venv="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/torchward-venv"
  python3 -m venv "$venv"
  local spec="torchward"
  if [[ -n "${TORCHWARD_SOURCE:-}" ]]; then
    spec="$TORCHWARD_SOURCE"
  elif [[ -n "${TORCHWARD_VERSION:-}" ]]; then
    spec="torchward==$TORCHWARD_VERSION"
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$spec"
  if [[ -n "${GITHUB_PATH:-}" ]]; then
    printf '%s\n' "$venv/bin" >>"$GITHUB_PATH"
  fi
  "$venv/bin/torchward" --version
}

run() {
  local tw="${TORCHWARD:-torchward}"
  local command="${TORCHWARD_COMMAND:-scan}"
  local fail_on="${TORCHWARD_FAIL_ON:-low}"
  local sarif="${TORCHWARD_SARIF:-torchward.sarif}"
  local -a args
  # Word splitting is the documented contract for TORCHWARD_ARGS (no glob expansion).
  set -f
  # shellcheck disable=SC2206
  args=(${TORCHWARD_ARGS:-.})
  set +f
  # Global, not local: the EXIT trap runs after this function has returned.
  report="$(mktemp "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/torchward-report.XXXXXX.json")"
  trap 'rm -f "${report:-}"' EXIT

  # One analysis, then every view of it: the JSON report is re-rendered, never re-run.
  local analysis=0
  "$tw" $command "${args[@]}" --format json --output "$report" --force --exit-zero || analysis=$?
  if [[ ! -s "$report" ]]; then
    echo "torchward $command wrote no report (exit $analysis)" >&2
    output exit-code 2
    return 2
  fi
  "$tw" report "$report" --format sarif --output "$sarif" --force --exit-zero
  output sarif-file "$sarif"
  # Annotations on the pull request's diff (workflow commands on stdout).
  "$tw" report "$report" --format github --exit-zero
  # The human summary, and the verdict at the requested level.
  local verdict=0
  "$tw" report "$report" --format text --fail-on "$fail_on" >&2 || verdict=$?
  if ((analysis == 2)); then
    verdict=2
  fi
  output exit-code "$verdict"
  return "$verdict"
}

case "${1:-}" in
  install) install ;;
  run) run ;;
  *)
    echo "usage: $0 install|run" >&2
    exit 2
    ;;
esac
