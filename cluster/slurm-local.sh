#!/usr/bin/env bash
# A real single-node Slurm on localhost, for the test suite and for trying
# `tractable sweep --slurm` on a laptop (Debian 12: slurm-wlm and munge).
#
#   cluster/slurm-local.sh start     # prints `export SLURM_CONF=...`; idempotent
#   cluster/slurm-local.sh stop      # stops the daemons it started, by pid
#   cluster/slurm-local.sh status
#
# Everything lives in $TRACTABLE_SLURM_DIR (default /tmp/tractable-slurm): the
# slurm.conf, state, spool, logs and pid files; /etc/slurm is not touched, so
# clients need SLURM_CONF=$TRACTABLE_SLURM_DIR/slurm.conf in their environment.
#
# Facts this relies on, measured on a container without systemd or cgroups:
# munged refuses to run as root with Debian's file ownership, so it runs as the
# munge user with /run/munge owned by munge; no cgroups, hence
# proctrack/linuxproc, task/none and jobacct_gather/none; no DNS is needed with
# SlurmctldHost=<host>(127.0.0.1), NodeAddr=127.0.0.1 and `slurmd -N <host>`;
# batch_sched_delay=0 removes a 3 s wait per job; no accounting database, so
# job completions go to a text file (jobcomp/filetxt) and state is read with
# scontrol. The daemons start detached (setsid, no inherited pipes) so that a
# test harness reading this script's output does not wait for them.
set -euo pipefail

DIR=${TRACTABLE_SLURM_DIR:-/tmp/tractable-slurm}
CONF=$DIR/slurm.conf
HOST=$(hostname -s)
CPUS=$(nproc)
CTLD_PORT=${TRACTABLE_SLURMCTLD_PORT:-16817}
SLURMD_PORT=${TRACTABLE_SLURMD_PORT:-16818}

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2> /dev/null; }

start_munge() {
  if [ -S /run/munge/munge.socket.2 ] && running /run/munge/munged.pid; then return; fi
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/log/munge /var/lib/munge
  if [ ! -s /etc/munge/munge.key ]; then
    install -d -o munge -g munge -m 0700 /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=128 count=1 status=none
    chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
  fi
  setsid runuser -u munge -- /usr/sbin/munged < /dev/null > "$DIR/munged.out" 2>&1
  for _ in $(seq 50); do [ -S /run/munge/munge.socket.2 ] && return; sleep 0.1; done
  echo "slurm-local: munged did not start (see $DIR/munged.out, /var/log/munge/munged.log)" >&2
  exit 1
}

write_conf() {
  cat > "$CONF" << EOF
# Written by cluster/slurm-local.sh: one node ($HOST, $CPUS CPUs) on 127.0.0.1.
ClusterName=tractable
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
AuthType=auth/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/jobcomp.txt
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
DependencyParameters=kill_invalid_depend
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
KillWait=30
MinJobAge=3600
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=local Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
}

start() {
  mkdir -p "$DIR/state" "$DIR/spool"
  start_munge
  export SLURM_CONF=$CONF
  if ! running "$DIR/slurmctld.pid"; then
    write_conf
    setsid /usr/sbin/slurmctld -f "$CONF" -i < /dev/null > "$DIR/slurmctld.out" 2>&1
  fi
  if ! running "$DIR/slurmd.pid"; then
    setsid /usr/sbin/slurmd -f "$CONF" -N "$HOST" < /dev/null > "$DIR/slurmd.out" 2>&1
  fi
  # Ready when the node is schedulable.
  for _ in $(seq 100); do
    state=$(scontrol show node "$HOST" 2> /dev/null | sed -n 's/.*State=\([A-Z+_]*\).*/\1/p' | head -n 1)
    case "$state" in IDLE* | MIXED* | ALLOCATED*) echo "export SLURM_CONF=$CONF"; return ;; esac
    sleep 0.2
  done
  echo "slurm-local: node $HOST not ready (state '${state:-none}'); logs in $DIR" >&2
  tail -n 20 "$DIR/slurmctld.log" "$DIR/slurmd.log" >&2 || true
  exit 1
}

stop() {
  for daemon in slurmd slurmctld; do
    if running "$DIR/$daemon.pid"; then
      pid=$(cat "$DIR/$daemon.pid")
      kill "$pid"
      for _ in $(seq 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2> /dev/null && kill -9 "$pid"
    fi
    rm -f "$DIR/$daemon.pid"
  done
  # munged is shared with anything else on the machine that authenticates with it; leave it running.
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status)
    export SLURM_CONF=$CONF
    running "$DIR/slurmctld.pid" && running "$DIR/slurmd.pid" && scontrol show node "$HOST" | head -n 3 ||
      { echo "slurm-local: not running"; exit 1; } ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
