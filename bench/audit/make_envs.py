#!/usr/bin/env python3
"""Build a scratch root for `torchward audit env --root ROOT` (bench/audit/env.sh): ENVS Python
environments of PACKAGES packages each, laid out as installers lay them out, plus the host
files and processes the audit also reads.

`make_envs.py ROOT [ENVS] [PACKAGES] [PROCESSES]` (defaults 10, 300, 300):
- half the environments are conda envs (/opt/conda/envs/envN: conda-meta/NAME-VER-BUILD.json
  records and lib/python3.11/site-packages/NAME-VER.dist-info/{METADATA,RECORD}), half are
  virtualenvwrapper venvs (/home/bench/.virtualenvs/venvN: pyvenv.cfg, bin/python, bin/activate);
  each holds torch (2.5.1, 2.8.0 or 2.10.0), torch_npu, vllm and filler packages;
- /usr/lib/python3/dist-packages with PACKAGES packages, /usr/bin/python3.11;
- /etc/passwd, /etc/environment, /etc/profile, /etc/profile.d/*.sh, 50 systemd units;
- /proc with PROCESSES processes (environ, cmdline, exe link), one Python process per
  environment, the others shells.
The tree is rebuilt from scratch each time (ROOT is removed first)."""
import json
import os
import shutil
import sys

root = sys.argv[1]
envs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
packages = int(sys.argv[3]) if len(sys.argv) > 3 else 300
processes = int(sys.argv[4]) if len(sys.argv) > 4 else 300


def write(path, text):
    full = os.path.join(root, path.lstrip("/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(text)


def link(path, target):
    full = os.path.join(root, path.lstrip("/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    os.symlink(target, full)


def dist_info(site, name, version):
    d = "%s/%s-%s.dist-info" % (site, name.replace("-", "_"), version)
    write(d + "/METADATA", "Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: bench\n\n%s\n"
          % (name, version, "long description " * 40))
    write(d + "/RECORD", "%s/__init__.py,,\n" % name)
    write(d + "/INSTALLER", "pip\n")


def fill(site, count, torch):
    dist_info(site, "torch", torch)
    dist_info(site, "torch-npu", torch)
    dist_info(site, "vllm", "0.8.4")
    for i in range(count - 3):
        dist_info(site, "pkg%03d" % i, "1.%d.0" % i)


shutil.rmtree(root, ignore_errors=True)
write("/usr/bin/python3.11", "")
link("/usr/bin/python3", "python3.11")
fill("/usr/lib/python3/dist-packages", packages, "2.10.0")
write("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nbench:x:1000:1000::/home/bench:/bin/bash\n")
write("/etc/environment", 'PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"\n')
write("/etc/profile", "umask 027\n" * 20)
for i in range(10):
    write("/etc/profile.d/p%d.sh" % i, "export X%d=1\n" % i)
write("/home/bench/.bashrc", "alias ll='ls -l'\n" * 30)
for i in range(50):
    write("/etc/systemd/system/s%d.service" % i, "[Service]\nExecStart=/bin/true\nEnvironment=A=%d\n" % i)
versions = ["2.5.1", "2.8.0", "2.10.0"]
prefixes = []
for n in range(envs):
    torch = versions[n % 3]
    if n % 2 == 0:
        prefix = "/opt/conda/envs/env%d" % n
        for i in range(packages):
            name, ver = ("pytorch", torch) if i == 0 else ("cpkg%03d" % i, "2.%d" % i)
            write("%s/conda-meta/%s-%s-py311_0.json" % (prefix, name, ver),
                  json.dumps({"name": name, "version": ver, "build": "py311_0",
                              "files": ["lib/python3.11/site-packages/%s/f%d.py" % (name, k) for k in range(20)]}))
        write(prefix + "/bin/python3.11", "")
    else:
        prefix = "/home/bench/.virtualenvs/venv%d" % n
        write(prefix + "/pyvenv.cfg", "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.2\n")
        link(prefix + "/bin/python", "/usr/bin/python3.11")
        write(prefix + "/bin/activate", "VIRTUAL_ENV=%s\nexport VIRTUAL_ENV\n" % prefix)
    fill(prefix + "/lib/python3.11/site-packages", packages, torch)
    prefixes.append(prefix)
for pid in range(1000, 1000 + processes):
    i = pid - 1000
    if i < len(prefixes):
        exe = prefixes[i] + ("/bin/python3.11" if i % 2 == 0 else "/bin/python")
        write("/proc/%d/cmdline" % pid, "%s\0train.py\0" % exe)
        link("/proc/%d/exe" % pid, exe if i % 2 == 0 else "/usr/bin/python3.11")
    else:
        write("/proc/%d/cmdline" % pid, "-bash\0")
        link("/proc/%d/exe" % pid, "/usr/bin/bash")
    write("/proc/%d/environ" % pid, "PATH=/usr/bin\0HOME=/home/bench\0LANG=C.UTF-8\0" + "X=y\0" * 40)
print("built %s: %d environments x %d packages, %d processes" % (root, envs, packages, processes))
