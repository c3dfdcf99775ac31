#!/usr/bin/env python3
"""Compares torchward lint, bandit and TorchFix on the annotated fixture files.

Every fixture line carrying an `expect:` annotation is a case: positive when it names a rule,
negative for `none`. Lines with a suppression comment (noqa, nosec, nosemgrep, torchward:) are
left out, since each tool honours different comments. Only the tools' deserialization checks
count: bandit B301, B302, B506, B614; TorchFix TOR102. The issue's target: torchward finds at
least every true positive of bandit and TorchFix and none of their false positives.
"""
import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

BANDIT_TESTS = {"B301", "B302", "B506", "B614"}
SUPPRESSION = re.compile(r"noqa|nosec|nosemgrep|torchward:")


def cases(path):
    out = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if "expect:" not in line or SUPPRESSION.search(line):
            continue
        spec = line.split("expect:", 1)[1].strip()
        out[number] = spec != "none" and "suppressed" not in spec
    return out


def torchward_lines(binary, path):
    run = subprocess.run([binary, "lint", str(path), "--format", "json", "--exit-zero",
                          "--ignore-parse-errors"], capture_output=True, text=True)
    report = json.loads(run.stdout)
    return {f["location"]["line"] for f in report["findings"] if not f.get("suppressed")}


def bandit_lines(venv, path):
    run = subprocess.run([f"{venv}/bin/bandit", "-q", "-f", "json", str(path)],
                         capture_output=True, text=True)
    report = json.loads(run.stdout or "{}")
    skipped = bool(report.get("errors"))
    return {r["line_number"] for r in report.get("results", []) if r["test_id"] in BANDIT_TESTS}, skipped


def torchfix_lines(venv, path):
    run = subprocess.run([f"{venv}/bin/torchfix", "--select", "TOR102", str(path)],
                         capture_output=True, text=True)
    lines = set()
    for line in run.stdout.splitlines():
        match = re.match(r".*?:(\d+):\d+: TOR102", line)
        if match:
            lines.add(int(match.group(1)))
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--torchward", required=True)
    parser.add_argument("--venv", required=True)
    parser.add_argument("--fixtures", required=True)
    args = parser.parse_args()
    fixtures = Path(args.fixtures)
    files = sorted(fixtures.glob("*.py")) + sorted((fixtures / "rules").glob("*.py"))
    totals = {tool: {"tp": set(), "fp": set(), "fn": set()} for tool in ("torchward", "bandit", "torchfix")}
    skipped_by_bandit = []
    for path in files:
        expected = cases(path)
        if not expected:
            continue
        found = {"torchward": torchward_lines(args.torchward, path)}
        found["bandit"], skipped = bandit_lines(args.venv, path)
        if skipped:
            skipped_by_bandit.append(path.name)
        found["torchfix"] = torchfix_lines(args.venv, path)
        rel = path.relative_to(fixtures)
        for tool, lines in found.items():
            for line, positive in expected.items():
                key = f"{rel}:{line}"
                if positive and line in lines:
                    totals[tool]["tp"].add(key)
                elif positive:
                    totals[tool]["fn"].add(key)
                elif line in lines:
                    totals[tool]["fp"].add(key)
    positives = sum(v for p in files for v in cases(p).values())
    print(f"fixture cases: {sum(len(cases(p)) for p in files)} annotated lines in {len(files)} files, {positives} expected findings")
    for tool, t in totals.items():
        print(f"  {tool:9}: {len(t['tp']):3} true positives, {len(t['fp']):2} false positives, {len(t['fn']):3} missed")
    if skipped_by_bandit:
        print(f"  bandit could not parse (skipped whole files): {', '.join(skipped_by_bandit)}")
    ok = True
    for peer in ("bandit", "torchfix"):
        missing = totals[peer]["tp"] - totals["torchward"]["tp"]
        shared_fp = totals[peer]["fp"] & totals["torchward"]["fp"]
        print(f"  {peer} true positives torchward misses: {sorted(missing) or 'none'}")
        print(f"  {peer} false positives torchward repeats: {sorted(shared_fp) or 'none'}")
        print(f"  {peer} false positives: {sorted(totals[peer]['fp']) or 'none'}")
        ok = ok and not missing and not shared_fp
    if totals["torchward"]["fp"]:
        print(f"  torchward false positives: {sorted(totals['torchward']['fp'])}")
        ok = False
    print("target met: every bandit/TorchFix true positive found, none of their false positives" if ok
          else "target NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
