#!/usr/bin/env bash
# End-to-end test of torchward's Slurm prolog/epilog on a real one-node Slurm cluster:
# munged, slurmctld and slurmd (Debian's packages) run without systemd from a config in a
# temporary directory, inside a network namespace of their own (only loopback), with
# Prolog=/Epilog= wrappers that call the torchward binary under test. Checks: a job sees its
# own table admitting its node and ports, and the table is gone after the job; two concurrent
# jobs each see their own table and the end of one leaves the other's untouched; `slurm sweep`
# removes a stale table but keeps a running job's, and removes nothing when Slurm cannot be
# asked; a job whose prolog cannot apply rules is not run (Slurm drains the node and holds the
# job; the test resumes the node). Prints `N passed, N failed`; exits 1 on any failure.
# Parts that cannot run here are skipped with the reason.
# Usage: deploy/slurm/test.sh [TORCHWARD_BINARY]   (default: target/debug/torchward)
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-${TORCHWARD_BIN:-$REPO/target/debug/torchward}}
passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
check() { # check NAME COMMAND...: passes when COMMAND succeeds
  local name=$1
  shift
  if "$@"; then ok "$name"; else bad "$name"; fi
}
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}
skip_all() {
  echo "skip slurm end-to-end test: $1"
  finish
}

if [ "${TW_SLURM_TEST_NETNS:-}" != 1 ]; then
  [ "$(id -u)" = 0 ] || skip_all "needs root (daemons, nft, a network namespace)"
  [ -x "$BIN" ] || skip_all "no torchward binary at $BIN (build it first: cargo build -p torchward)"
  if ! command -v slurmd >/dev/null || ! command -v slurmctld >/dev/null ||
    ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    if command -v apt-get >/dev/null; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        slurmctld slurmd slurm-client munge >/dev/null ||
        skip_all "apt-get could not install slurmctld slurmd slurm-client munge"
    else
      skip_all "Slurm is not installed and there is no apt-get"
    fi
  fi
  for tool in nft unshare setpriv ip getent timeout; do
    command -v "$tool" >/dev/null || skip_all "$tool is not installed"
  done
  [ -r /etc/munge/munge.key ] || skip_all "no /etc/munge/munge.key (the munge package creates it)"
  unshare --net true 2>/dev/null || skip_all "cannot create a network namespace (unshare --net)"
  export TW_SLURM_TEST_NETNS=1
  exec unshare --net -- "$0" "$BIN"
fi

# Inside our own network namespace: only loopback exists.
ip link set lo up
# Slurm binds with getaddrinfo(AI_ADDRCONFIG), which finds nothing when only loopback
# addresses exist: give lo one private address of this namespace.
ip addr add 10.255.255.1/32 dev lo
started=$EPOCHREALTIME
elapsed() { awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
HOST=$(hostname -s)
T=$(mktemp -d /tmp/tw-slurm-test.XXXXXX)
chmod 755 "$T"
PIDS=()
cleanup() {
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill "${PIDS[i]}" 2>/dev/null
    wait "${PIDS[i]}" 2>/dev/null
  done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Wait up to $1 tenths of a second for a command to succeed.
wait_for() {
  local tries=$1
  shift
  while ! timeout 5 "$@" 2>/dev/null; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || return 1
    sleep 0.1
  done
}

mkdir -p "$T/munge" "$T/state" "$T/spool" "$T/out" "$T/tw"
chown munge:munge "$T/munge"
chmod 755 "$T/munge"
setpriv --reuid=munge --regid=munge --clear-groups munged -F \
  --socket="$T/munge/munge.socket" --pid-file="$T/munge/munged.pid" \
  --log-file="$T/munge/munged.log" --seed-file="$T/munge/munged.seed" >"$T/munged.out" 2>&1 &
PIDS+=($!)
wait_for 50 test -S "$T/munge/munge.socket" || skip_all "munged did not start: $(tail -3 "$T/munge/munged.log" 2>/dev/null)"

cat >"$T/slurm.toml" <<TOML
master_port = 29500
hccl_base_port = 60000
hccl_port_count = 16
TOML
for phase in prolog epilog; do
  cat >"$T/$phase" <<SH
#!/bin/sh
export TORCHWARD='$BIN' TORCHWARD_SLURM_CONF='$T/slurm.toml' TORCHWARD_SLURM_STATE_DIR='$T/tw'
exec '$REPO/deploy/slurm/$phase.sh' >>'$T/$phase.log' 2>&1
SH
  chmod 755 "$T/$phase"
done

export SLURM_CONF=$T/slurm.conf
cat >"$SLURM_CONF" <<CONF
ClusterName=torchwardtest
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$T/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
# Cores only: with memory as a resource every job would take the whole node.
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
PrologFlags=Alloc
Prolog=$T/prolog
Epilog=$T/epilog
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -i -f "$SLURM_CONF" >"$T/slurmctld.out" 2>&1 &
PIDS+=($!)
slurmd -D -f "$SLURM_CONF" >"$T/slurmd.out" 2>&1 &
PIDS+=($!)
node_state() { sinfo -h -n "$HOST" -o %T 2>/dev/null; }
if ! wait_for 100 sh -c "sinfo -h -n '$HOST' -o %T | grep -qx idle"; then
  echo "slurmctld log:"; tail -5 "$T/slurmctld.log"; echo "slurmd log:"; tail -5 "$T/slurmd.log"
  bad "one-node cluster comes up (node state: $(node_state))"
  finish
fi
ok "one-node cluster up in $(elapsed) s"

tables() { nft list tables | awk '$2 == "inet" && $3 ~ /^torchward_job_/ { print $3 }' | sort; }

# 1. One job: its table exists while it runs, admits the node's addresses and the ports.
cat >"$T/job1.sh" <<'SH'
#!/bin/sh
nft list tables >"$OUT/job1.tables"
nft list table inet "torchward_job_$SLURM_JOB_ID" >"$OUT/job1.table"
for addr in $ADDRS; do
  nft get element inet "torchward_job_$SLURM_JOB_ID" peers4 "{ $addr }" >/dev/null || echo "$addr" >>"$OUT/job1.missing"
done
for port in 29500 60000 60015; do
  nft get element inet "torchward_job_$SLURM_JOB_ID" ports "{ $port }" >/dev/null || echo "$port" >>"$OUT/job1.missing"
done
nft get element inet "torchward_job_$SLURM_JOB_ID" ports "{ 60016 }" >/dev/null 2>&1 && echo "60016" >>"$OUT/job1.extra"
echo ran >"$OUT/job1.ran"
SH
ADDRS=$(getent ahostsv4 "$HOST" | awk '{ print $1 }' | sort -u | tr '\n' ' ')
export OUT=$T/out ADDRS
job1=$(sbatch --parsable --wait -o "$T/out/job1.log" "$T/job1.sh")
check "job 1 ran (sbatch --wait)" test -f "$T/out/job1.ran"
check "job 1 saw its own table inet torchward_job_$job1" grep -qx "table inet torchward_job_$job1" "$T/out/job1.tables"
check "job 1's table admits $HOST ($ADDRS) and ports 29500, 60000-60015" test ! -e "$T/out/job1.missing"
check "job 1's table restricts no port outside the config" test ! -e "$T/out/job1.extra"
check "job 1's table is gone after the job (epilog)" wait_for 50 sh -c "! nft list tables | grep -q 'torchward_job_$job1\$'"
# The epilog runs after sbatch --wait returns and removes the table before the state file.
check "job 1's state file is gone after the job" wait_for 50 test ! -e "$T/tw/$job1.json"

# 2. Two concurrent jobs: each sees its own table; the end of B leaves A's table as it was.
cat >"$T/jobA.sh" <<'SH'
#!/bin/sh
nft list table inet "torchward_job_$SLURM_JOB_ID" | grep -v counter >"$OUT/A.before"
touch "$OUT/A.up"
i=0
while [ ! -e "$OUT/B.gone" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
nft list tables >"$OUT/A.tables.after"
nft list table inet "torchward_job_$SLURM_JOB_ID" | grep -v counter >"$OUT/A.after"
SH
cat >"$T/jobB.sh" <<'SH'
#!/bin/sh
nft list tables >"$OUT/B.tables"
i=0
while [ ! -e "$OUT/A.up" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
nft list tables >"$OUT/B.tables.both"
SH
jobA=$(sbatch --parsable -n1 -o "$T/out/A.log" "$T/jobA.sh")
jobB=$(sbatch --parsable -n1 -o "$T/out/B.log" "$T/jobB.sh")
wait_for 150 test -e "$T/out/A.up"
wait_for 150 sh -c "! squeue -h -j '$jobB' -o %A | grep -q ."
check "job B saw its own table while job A ran" grep -qx "table inet torchward_job_$jobB" "$T/out/B.tables.both"
check "both tables existed at once (A's seen from B)" grep -qx "table inet torchward_job_$jobA" "$T/out/B.tables.both"
check "job B's table is gone after B" wait_for 50 sh -c "! nft list tables | grep -q 'torchward_job_$jobB\$'"

# 3. Sweep while A runs: a stale table of a job Slurm does not know goes, A's stays.
nft add table inet torchward_job_999999
echo '{}' >"$T/tw/999999.json"
mkdir -p "$T/bin"
printf '#!/bin/sh\necho "slurm_load_jobs error: Unable to contact slurm controller" >&2\nexit 1\n' >"$T/bin/squeue"
chmod 755 "$T/bin/squeue"
PATH="$T/bin:$PATH" "$BIN" slurm sweep --state-dir "$T/tw" >"$T/sweep.bad" 2>&1
code=$?
check "sweep exits 2 and removes nothing when Slurm cannot be asked (exit $code)" \
  sh -c "[ $code = 2 ] && nft list table inet torchward_job_999999 >/dev/null && grep -q 'removed nothing' '$T/sweep.bad'"
"$BIN" slurm sweep --state-dir "$T/tw" >"$T/sweep.out" 2>&1
check "sweep removes the stale table and state file of job 999999" \
  sh -c "! nft list table inet torchward_job_999999 >/dev/null 2>&1 && [ ! -e '$T/tw/999999.json' ]"
check "sweep keeps running job A's table" sh -c "nft list table inet 'torchward_job_$jobA' >/dev/null 2>&1"
touch "$T/out/B.gone"
wait_for 150 sh -c "! squeue -h -j '$jobA' -o %A | grep -q ."
check "job A's table was unchanged by B's end and the sweep" sh -c "grep -q 'set peers4' '$T/out/A.before' && cmp -s '$T/out/A.before' '$T/out/A.after'"
check "job A no longer saw B's table after B" sh -c "! grep -q 'torchward_job_$jobB\$' '$T/out/A.tables.after'"
check "job A's table is gone after A" wait_for 50 sh -c "! nft list tables | grep -q 'torchward_job_$jobA\$'"

# 4. A prolog that cannot apply rules (an invalid port in the site config): the job does not
# run; Slurm 22.05 drains the node ("Prolog error") and requeues the job held.
cp "$T/slurm.toml" "$T/slurm.toml.good"
echo 'extra_ports = [70000]' >>"$T/slurm.toml"
cat >"$T/jobF.sh" <<'SH'
#!/bin/sh
echo ran >"$OUT/F.ran"
SH
jobF=$(sbatch --parsable -o "$T/out/F.log" "$T/jobF.sh")
if wait_for 150 sh -c "sinfo -h -n '$HOST' -o %T | grep -q drain"; then
  ok "a failing prolog drains the node ($(node_state); $(sinfo -h -n "$HOST" -o %E))"
else
  bad "a failing prolog drains the node (state: $(node_state))"
fi
check "the prolog said why (names the file and key)" grep -q "slurm.toml: \`extra_ports\`: 70000 is not a port" "$T/prolog.log"
state_F=$(squeue -h -j "$jobF" -o '%T %r' 2>/dev/null)
check "the job did not run (state: ${state_F:-gone})" test ! -e "$T/out/F.ran"
check "no table was left for job $jobF" sh -c "! nft list tables | grep -q 'torchward_job_$jobF\$'"
scancel "$jobF"
cp "$T/slurm.toml.good" "$T/slurm.toml"
scontrol update nodename="$HOST" state=resume
check "the node resumes" wait_for 100 sh -c "sinfo -h -n '$HOST' -o %T | grep -qx idle"
check "no per-job table is left at the end" test -z "$(tables)"
echo "runtime: $(elapsed) s"
finish
