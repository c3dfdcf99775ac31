"""Checks that the packaging files agree with each other (run by ci/packaging.sh).

pyproject.toml is the source of truth for how the wheel is built; the release workflow, the
GitHub Action and the pre-commit hooks must use it as it is. Exits 1 naming every mismatch.
Needs PyYAML (the throwaway venv of ci/packaging.sh has it) and Python >= 3.11 (tomllib).
"""
import os
import re
import subprocess
import sys
import tomllib

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
problems = []


def check(ok, message):
    if not ok:
        problems.append(message)


def load_yaml(name):
    with open(os.path.join(ROOT, name), encoding="utf-8") as f:
        return yaml.safe_load(f)


with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
    pyproject = tomllib.load(f)
maturin = pyproject.get("tool", {}).get("maturin", {})
check(pyproject.get("build-system", {}).get("build-backend") == "maturin", "pyproject: build-backend is not maturin")
check(pyproject.get("project", {}).get("name") == "torchward", "pyproject: project name is not torchward")
check("version" in pyproject.get("project", {}).get("dynamic", []), "pyproject: version must be dynamic (taken from Cargo)")
check(maturin.get("bindings") == "bin", "pyproject: tool.maturin.bindings must be 'bin'")
manifest = maturin.get("manifest-path", "")
check(os.path.isfile(os.path.join(ROOT, manifest)), f"pyproject: manifest-path {manifest!r} does not exist")
with open(os.path.join(ROOT, manifest), "rb") as f:
    check(tomllib.load(f).get("package", {}).get("name") == "torchward", f"{manifest} is not the torchward crate")

# The release workflow: the job names, the targets and the maturin invocation.
workflow = load_yaml(".github/workflows/release.yml")
jobs = workflow.get("jobs", {})
check(set(jobs) == {"linux", "sdist", "publish"}, f"release.yml: jobs are {sorted(jobs)}, expected linux, sdist, publish")
linux = jobs.get("linux", {})
matrix = linux.get("strategy", {}).get("matrix", {})
check(set(matrix.get("target", [])) == {"x86_64", "aarch64"}, "release.yml: linux must build x86_64 and aarch64")
check(set(matrix.get("libc", [])) == {"manylinux", "musllinux"}, "release.yml: linux must build manylinux and musllinux")
for name in ("linux", "sdist"):
    steps = [s for s in jobs.get(name, {}).get("steps", []) if str(s.get("uses", "")).startswith("PyO3/maturin-action@")]
    check(len(steps) == 1, f"release.yml: job {name} must run PyO3/maturin-action once")
    for step in steps:
        args = str(step.get("with", {}).get("args", ""))
        command = step.get("with", {}).get("command")
        check(command == ("build" if name == "linux" else "sdist"), f"release.yml: job {name} runs maturin {command}")
        check("--out dist" in args, f"release.yml: job {name} must write to dist")
        # pyproject.toml decides what is built: the workflow must not point maturin elsewhere.
        for flag in ("-m ", "--manifest-path", "--bindings", "-b "):
            check(flag not in args, f"release.yml: job {name} overrides pyproject with {flag.strip()}")
        if name == "linux":
            check("--release" in args and "--locked" in args, "release.yml: wheels must be --release --locked")
publish = jobs.get("publish", {})
check(set(publish.get("needs", [])) == {"linux", "sdist"}, "release.yml: publish must need linux and sdist")
check(publish.get("permissions", {}).get("id-token") == "write", "release.yml: trusted publishing needs id-token: write")
check(
    any(str(s.get("uses", "")).startswith("pypa/gh-action-pypi-publish@") for s in publish.get("steps", [])),
    "release.yml: publish must use pypa/gh-action-pypi-publish",
)

# The GitHub Action: every input it references exists, and it runs scripts/action.sh.
action = load_yaml("action.yml")
inputs = set(action.get("inputs", {}))
text = open(os.path.join(ROOT, "action.yml"), encoding="utf-8").read()
for used in re.findall(r"inputs\.([A-Za-z0-9_-]+)", text):
    check(used in inputs, f"action.yml: uses undefined input {used}")
script = os.path.join(ROOT, "scripts", "action.sh")
check(os.access(script, os.X_OK), "scripts/action.sh is missing or not executable")
script_text = open(script, encoding="utf-8").read()
for step in action.get("runs", {}).get("steps", []):
    for var in step.get("env", {}):
        if var.startswith("TORCHWARD_"):
            check(var in script_text, f"action.yml: {var} is not read by scripts/action.sh")

# The pre-commit hooks: ids, language, and commands that exist.
hooks = load_yaml(".pre-commit-hooks.yaml")
ids = [h.get("id") for h in hooks]
for wanted in ("torchward-lint", "torchward-scan", "torchward-urls", "torchward-api"):
    check(wanted in ids, f".pre-commit-hooks.yaml: hook {wanted} is missing")
torchward = os.environ.get("TORCHWARD", "torchward")
for hook in hooks:
    check(hook.get("language") == "python", f"hook {hook.get('id')}: language must be python (installs the wheel)")
    entry = str(hook.get("entry", "")).split()
    check(entry[:1] == ["torchward"] and len(entry) >= 2, f"hook {hook.get('id')}: entry must be `torchward COMMAND`")
    if len(entry) >= 2:
        rc = subprocess.run([torchward, *entry[1:], "--help"], capture_output=True).returncode
        check(rc == 0, f"hook {hook.get('id')}: `{' '.join(entry)} --help` exits {rc}")

for problem in problems:
    print(f"packaging: {problem}", file=sys.stderr)
print(f"packaging checks: {'failed' if problems else 'passed'} ({len(problems)} problem(s))")
sys.exit(1 if problems else 0)
