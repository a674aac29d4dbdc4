#!/usr/bin/env bash
# Writes hpcflow(1) from the binary's own help: `hpcflow --help` for the
# commands and `hpcflow COMMAND --help` for each command's flags, so the
# man page says what the option definitions say. Run by the build:
#   make-man.sh BINARY VERSION > hpcflow.1
set -euo pipefail
bin="$1"
version="$2"

# troff: a leading '.' or "'" starts a request, and '\' escapes.
roff() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/" -e 's/^-/\\-/'; }

commands=$("$bin" --help | sed -n '/^commands:/,/^$/p' | grep -oE '^  [a-z][a-z-]+' | tr -d ' ' | sort -u)

cat <<HEAD
.TH HPCFLOW 1 "" "hpcflow $version" "User Commands"
.SH NAME
hpcflow \\- run Amazon States Language workflows on HPC clusters (Slurm, MPI, local)
.SH SYNOPSIS
.B hpcflow
.I COMMAND
.RI [ ARGS ]
.SH DESCRIPTION
hpcflow interprets workflows written in the Amazon States Language (JSON or YAML) and runs
their Task states as jobs: local processes, MPI runs, or Slurm jobs and job arrays. Every
execution keeps a durable history in a state directory, so a killed orchestrator resumes
without losing or repeating work. Jobs report their end over HTTP to the orchestrator.
.PP
HEAD
echo ".nf"
"$bin" --help | roff
echo ".fi"
echo ".SH COMMANDS"
for c in $commands; do
  echo ".SS $c"
  echo ".nf"
  "$bin" "$c" --help 2>&1 | roff
  echo ".fi"
done
cat <<'TAIL'
.SH ENVIRONMENT
.TP
.B HPCFLOW_HOME
the state directory when \-\-state\-dir is not given (default ~/.hpcflow)
.TP
.B HPCFLOW_LISTEN
the address the server and run listen on for callbacks
.TP
.B HPCFLOW_TASK_TOKEN, HPCFLOW_CALLBACK_URL
set in every job; read by hpcflow callback
.SH FILES
.TP
.I ~/.hpcflow/
the state directory: the execution store (SQLite), keys, job directories, server log
.SH SEE ALSO
The documentation installed with hpcflow, and docs/ in its source tree.
TAIL
