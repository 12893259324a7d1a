#!/usr/bin/env bash
# A one-machine Slurm cluster for trying 'flowbench sweep --executor slurm' (and for the Slurm tests): munged,
# slurmctld and slurmd started as root, their state and logs in DIR, stopped by PID. Needs Debian's slurm-wlm and
# munge (apt-get install -y slurm-wlm munge). Writes /etc/slurm/slurm.conf (where Slurm's client commands look) only
# when that file is absent or was written by this script; a machine with its own Slurm configuration is left alone.
#
#   docs/slurm/single-node.sh start DIR     start the daemons; returns once the node is idle
#   docs/slurm/single-node.sh stop DIR      stop what 'start' started
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
dir=$(mkdir -p "$2" && cd "$2" && pwd)
conf=/etc/slurm/slurm.conf
marker="# written by flowbench docs/slurm/single-node.sh"

stop() {
  for d in slurmd slurmctld munged; do
    f="$dir/$d.pid"
    [ -s "$f" ] || continue
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  done
}

case "$action" in
  stop) stop; exit 0 ;;
  start) ;;
  *) usage ;;
esac

[ "$(id -u)" = 0 ] || { echo "$0: run as root (slurmctld and slurmd run as root here)" >&2; exit 1; }
for b in munged slurmctld slurmd sinfo sbatch; do
  command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || { echo "$0: $b not found; apt-get install -y slurm-wlm munge" >&2; exit 1; }
done
if [ -e "$conf" ] && ! grep -qF "$marker" "$conf"; then
  echo "$0: $conf exists and was not written by this script; not touching this machine's Slurm" >&2
  exit 1
fi

host=$(hostname)
cpus=$(nproc)
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
mkdir -p "$dir/state" "$dir/spool"
cat >"$dir/slurm.conf" <<CONF
$marker (state in $dir)
ClusterName=flowbench-local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# a requeued job waits cred_expire + 1 s before it may start again (its old credential is revoked until then);
# Slurm's default, 120 s, is long for trying requeues on one machine
AuthInfo=cred_expire=10
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
KillWait=30
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
cp "$dir/slurm.conf" "$conf"

# munged: the package's key; its socket where Slurm looks by default
if ! pgrep -x munged >/dev/null 2>&1; then
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  [ -s /etc/munge/munge.key ] || { mungekey --create --keyfile=/etc/munge/munge.key; chown munge:munge /etc/munge/munge.key; }
  runuser -u munge -- /usr/sbin/munged --pid-file="/run/munge/munged.pid"
  cp /run/munge/munged.pid "$dir/munged.pid"
fi

stop_on_error() { echo "$0: Slurm did not start; logs in $dir" >&2; tail -n 20 "$dir"/slurm*.log >&2 2>/dev/null || true; stop; exit 1; }
/usr/sbin/slurmctld -f "$conf" || stop_on_error
/usr/sbin/slurmd -f "$conf" || stop_on_error
for _ in $(seq 1 150); do
  state=$(sinfo -h -o %t 2>/dev/null || true)
  [ "$state" = "idle" ] && { echo "slurm: node $host idle ($cpus CPUs, $mem MB); state and logs in $dir"; exit 0; }
  sleep 0.2
done
stop_on_error
