"""What scancode finds in configuration files and scripts that torchward also finds.

Usage: compare.py SCANCODE_JSON TORCHWARD_CONFIGS_JSON TORCHWARD_ALL_JSON TREE

A scancode URL or e-mail in a configuration file or script (the same name and extension
rules torchward uses by default) counts as found when torchward reports an address in the
same file whose text contains the URL's host (e-mails: the address itself; scancode reports
the `git@github.com` of `git@github.com:org/repo` as an e-mail, torchward as the URL). Hosts torchward
does not consider public (localhost, private and documentation IPs, example.com, *.local,
single-label names) are listed apart: leaving them out is intended.
"""
import ipaddress
import json
import os
import sys
from collections import Counter
from urllib.parse import urlsplit

CONFIG_EXT = {
    "cfg", "ini", "conf", "toml", "yaml", "yml", "json", "xml", "properties", "env", "list",
    "sources", "repo", "npmrc", "pypirc", "condarc", "sh", "bash", "zsh", "ksh", "ps1", "psm1",
    "bat", "cmd", "cmake", "mk", "dockerfile", "py", "pyi",
}
CONFIG_NAMES = {
    "dockerfile", "containerfile", "makefile", "gnumakefile", "cmakelists.txt", "jenkinsfile",
    "vagrantfile", ".gitmodules", ".env", ".npmrc", ".pypirc", ".condarc", "sources.list",
    "pip.conf", "pip.ini",
}
SPECIAL_TLDS = {"test", "example", "invalid", "localhost", "local", "internal", "lan", "home",
                "corp", "intranet", "private", "alt", "onion"}


def is_config(rel):
    name = os.path.basename(rel).lower()
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    if name in CONFIG_NAMES or ext in CONFIG_EXT:
        return True
    if name.startswith(("dockerfile", "containerfile", "jenkinsfile", ".env.")):
        return True
    return name.startswith(("requirements", "constraints")) and ext in ("txt", "in")


def not_public_reason(host):
    if not host:
        return "no host"
    try:
        ip = ipaddress.ip_address(host)
        return None if ip.is_global else "special-purpose IP"
    except ValueError:
        pass
    if "." not in host:
        return "single-label name"
    labels = host.lower().rstrip(".").split(".")
    if labels[-1] in SPECIAL_TLDS or ".".join(labels[-2:]) in ("example.com", "example.net", "example.org"):
        return "special-use or example name"
    if any(c in host for c in "${}%<>"):
        return "placeholder host"
    return None


def torchward_by_file(path):
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    out = {}
    kinds = Counter()
    for finding in report["findings"]:
        if finding["rule"] not in ("TW500", "TW501"):
            continue
        ev = {e["name"]: e["value"] for e in finding.get("evidence", [])}
        out.setdefault(ev["file"], []).append(ev["address"].lower())
        kinds[ev["kind"]] += 1
    return out, kinds


def main():
    scancode_json, tw_configs_json, tw_all_json, tree = sys.argv[1:5]
    with open(scancode_json, encoding="utf-8") as f:
        scancode = json.load(f)
    tw_configs, config_kinds = torchward_by_file(tw_configs_json)
    _, all_kinds = torchward_by_file(tw_all_json)
    total = matched = 0
    skipped = Counter()
    misses = []
    sc_urls = sc_emails = 0
    for entry in scancode["files"]:
        if entry.get("type") != "file":
            continue
        rel = entry["path"].split("/", 1)[1] if "/" in entry["path"] else entry["path"]
        urls = entry.get("urls") or []
        emails = entry.get("emails") or []
        sc_urls += len(urls)
        sc_emails += len(emails)
        if not is_config(rel):
            continue
        found = tw_configs.get(rel, [])
        for item in urls:
            url = item["url"]
            try:
                host = urlsplit(url).hostname or ""
            except ValueError:
                host = ""
            reason = not_public_reason(host)
            if reason:
                skipped[reason] += 1
                continue
            total += 1
            if any(host.lower() in text for text in found):
                matched += 1
            else:
                misses.append(f"{rel}:{item.get('start_line')}: {url}")
        for item in emails:
            email = item["email"].lower()
            host = email.rsplit("@", 1)[-1]
            reason = not_public_reason(host)
            if reason:
                skipped[reason] += 1
                continue
            total += 1
            if any(email in text for text in found):
                matched += 1
            else:
                misses.append(f"{rel}:{item.get('start_line')}: {email}")
    print(f"scancode: {sc_urls} URLs and {sc_emails} e-mails in the whole tree")
    print(f"torchward --all-files: {dict(sorted(all_kinds.items()))} public addresses")
    print(f"torchward (configs and scripts): {dict(sorted(config_kinds.items()))} public addresses "
          f"({config_kinds.get('domain', 0)} bare domains, which scancode does not report)")
    pct = 100.0 * matched / total if total else 100.0
    print(f"scancode's public addresses in configs/scripts also found by torchward: {matched}/{total} ({pct:.1f}%)")
    if skipped:
        print(f"scancode addresses torchward leaves out as not public: {dict(skipped)}")
    for miss in misses[:15]:
        print(f"  not found: {miss}")
    if len(misses) > 15:
        print(f"  ... and {len(misses) - 15} more")


if __name__ == "__main__":
    main()
