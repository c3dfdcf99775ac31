#!/usr/bin/env bash
# Run the README test command as a throwaway NON-ROOT user from a fresh clone of this checkout,
# the way a new user who follows the statement would (issue 19): home directory 750, umask 027,
# the clone inside a `mktemp -d` directory (mode 700) under a path with a space (and, by
# default, non-ASCII characters). Tests that need root must skip with their reason printed.
#
# Usage (as root, from anywhere inside the repository):
#   bash ci/nonroot.sh [CLONE-SUBPATH]      default: "with space/tørchwärd"
#
# The Rust toolchain is usually under root's home (mode 700), which the user cannot reach, and
# /root's mode is not changed: the toolchain's bin/lib/libexec are hard-linked (copied when on
# another filesystem) into a world-readable temporary directory and cargo is run from there
# directly (no rustup). The user gets its own CARGO_HOME, seeded with a copy of root's registry
# (index, downloaded crates, config) so it needs no network when root's cache is complete and
# otherwise fetches from crates.io. Compiled dependencies are not shared: cargo's fingerprints
# hold registry sources' absolute paths (under CARGO_HOME), so a target directory built with
# root's CARGO_HOME would be rebuilt anyway; the user builds into its clone's own target/.
# Everything made here (user, group, home, clone, toolchain copy) is removed on exit.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "ci/nonroot.sh: must run as root (it creates a throwaway user)" >&2
  exit 2
fi
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
subpath=${1:-with space/tørchwärd}

user="twci$$"
home="/home/$user"
private=""
toolchain=""
cleanup() {
  status=$?
  set +e
  if id -u "$user" >/dev/null 2>&1; then
    # The test run is over: anything the user still runs is a test that leaked a process.
    if pgrep -u "$user" >/dev/null; then
      echo "ci/nonroot.sh: processes of $user still running after the tests:" >&2
      pgrep -a -u "$user" >&2
      status=1
    fi
    userdel "$user" 2>/dev/null || echo "ci/nonroot.sh: userdel $user failed" >&2
  fi
  rm -rf "$home"
  [ -n "$private" ] && rm -rf "$private"
  [ -n "$toolchain" ] && rm -rf "$toolchain"
  exit "$status"
}
trap cleanup EXIT

# The user: home 750 (HOME_MODE), its own group; the test command runs under umask 027.
useradd --create-home --home-dir "$home" --shell /bin/sh -K HOME_MODE=0750 \
  --comment "torchward CI non-root test run" "$user"
uid=$(id -u "$user")
gid=$(id -g "$user")
[ "$(stat -c %a "$home")" = 750 ]

# The toolchain root's cargo would use (rustup's choice for this directory), reachable by the user.
sysroot=$(cd "$repo" && realpath "$(rustc --print sysroot)")
if setpriv --reuid="$uid" --regid="$gid" --clear-groups test -x "$sysroot/bin/cargo"; then
  toolbin="$sysroot/bin"
else
  toolchain=$(mktemp -d)
  chmod 755 "$toolchain"
  for part in bin lib libexec; do
    [ -e "$sysroot/$part" ] || continue
    cp -al "$sysroot/$part" "$toolchain/" 2>/dev/null || cp -a "$sysroot/$part" "$toolchain/"
  done
  toolbin="$toolchain/bin"
fi

# The user's CARGO_HOME, seeded from root's registry cache and cargo configuration.
root_cargo_home=${CARGO_HOME:-$HOME/.cargo}
mkdir -p "$home/.cargo"
# (Not credentials.toml: root's registry tokens stay with root.)
for part in registry config.toml config; do
  [ -e "$root_cargo_home/$part" ] && cp -a "$root_cargo_home/$part" "$home/.cargo/"
done
chown -R "$uid:$gid" "$home/.cargo"

# The clone: a fresh `mktemp -d` directory (mode 700) handed to the user, the repository cloned
# below it at a path with a space, owned by the user.
private=$(mktemp -d)
chown "$uid:$gid" "$private"
clone="$private/$subpath"
mkdir -p "$(dirname "$clone")"
git clone -q --no-hardlinks "$repo" "$clone"
# Its own temporary directory too: tests must not depend on /tmp.
mkdir -m 700 "$private/tmp"
chown -R "$uid:$gid" "$private"

echo "ci/nonroot.sh: user $user (uid $uid), home $(stat -c %a "$home"), clone '$clone'"
echo "ci/nonroot.sh: toolchain $toolbin ($("$toolbin/cargo" --version))"
started=$(date +%s)
log="$private/test.log"
set +e
setpriv --reuid="$uid" --regid="$gid" --init-groups --reset-env \
  env -i HOME="$home" USER="$user" LOGNAME="$user" SHELL=/bin/sh LANG=C.UTF-8 \
  PATH="$toolbin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  CARGO_HOME="$home/.cargo" RUSTC="$toolbin/rustc" RUSTDOC="$toolbin/rustdoc" \
  TMPDIR="$private/tmp" CARGO_TERM_COLOR=never INSTA_UPDATE=no CARGO_INCREMENTAL=0 \
  RUST_BACKTRACE=1 \
  sh -c 'umask 027 && cd "$1" && cargo test --workspace --locked' sh "$clone" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
echo "ci/nonroot.sh: skipped as a non-root user (each with its reason):"
grep -E '^SKIP' "$log" | sort -u || echo "  (none)"
echo "ci/nonroot.sh: suite as non-root user from '$clone': exit $rc, $(( $(date +%s) - started )) s"
exit "$rc"
