# shellcheck shell=bash
# Sourced by run-dev.sh and smoke-processes.sh: start long-running processes
# each in a session of its own, and stop a whole session (the process and
# everything it forked: runserver's reloader child, gunicorn and Celery pool
# workers) by its id. Only processes started here are ever signalled.
#
# Each process gets its own session so that stopping one never signals the
# calling shell, and so that a Ctrl-C reaches the calling script's trap, which
# then stops every group in order instead of all processes dying at once.

if ! command -v setsid >/dev/null; then
  echo "error: setsid (from util-linux) is required to run and stop the processes" >&2
  exit 1
fi

group_pids=()
group_names=()

# start_group NAME LOGFILE COMMAND... — LOGFILE "-" keeps the caller's output.
start_group() {
  local name=$1 log=$2
  shift 2
  if [[ $log == - ]]; then
    setsid "$@" </dev/null &
  else
    setsid "$@" </dev/null >"$log" 2>&1 &
  fi
  group_pids+=("$!")
  group_names+=("$name")
}

# True while a process of session SID other than a zombie exists. Zombies are
# skipped because an orphaned child is only reaped by PID 1, which in a
# container may never do it.
group_alive() {
  local sid=$1 stat_file line fields
  if [[ ! -d /proc/self ]]; then
    kill -0 -- "-$sid" 2>/dev/null
    return
  fi
  for stat_file in /proc/[0-9]*/stat; do
    { read -r line <"$stat_file"; } 2>/dev/null || continue
    # Fields after "(comm) ": state ppid pgrp session ...
    read -r -a fields <<<"${line##*) }"
    if [[ ${fields[3]} == "$sid" && ${fields[0]} != Z ]]; then
      return 0
    fi
  done
  return 1
}

# stop_groups [GRACE_SECONDS] — SIGTERM the main process of every started
# group, newest first, so that gunicorn, Celery and runserver shut their own
# children down (a pool worker signalled directly is logged as an error);
# after 5 s signal the whole group too; after GRACE_SECONDS in total, SIGKILL
# whatever is left.
stop_groups() {
  local grace=${1:-15} i pid deadline escalate
  for ((i = ${#group_pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${group_pids[$i]}" 2>/dev/null || true
  done
  escalate=$((SECONDS + 5))
  deadline=$((SECONDS + grace))
  for pid in "${group_pids[@]}"; do
    while group_alive "$pid" && ((SECONDS < deadline)); do
      if ((SECONDS >= escalate)); then
        kill -TERM -- "-$pid" 2>/dev/null || true
      fi
      sleep 0.2
    done
    if group_alive "$pid"; then
      echo "stopping: process group $pid did not exit after ${grace}s; killing it" >&2
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
  done
  for pid in "${group_pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  group_pids=()
  group_names=()
}

# Prints the name of the first started process that is no longer running.
first_exited_group() {
  local i
  for i in "${!group_pids[@]}"; do
    if ! kill -0 "${group_pids[$i]}" 2>/dev/null; then
      echo "${group_names[$i]}"
      return 0
    fi
  done
  return 1
}
