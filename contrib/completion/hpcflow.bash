# bash completion for hpcflow. The commands and each command's flags come
# from the binary's own help (`hpcflow --help`, `hpcflow COMMAND --help`),
# so they are the option definitions themselves and never go stale.
_hpcflow() {
  local cur prev cmd
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  cmd="${COMP_WORDS[1]}"
  local bin="${COMP_WORDS[0]}"
  if (( COMP_CWORD == 1 )); then
    local commands
    commands=$("$bin" --help 2>/dev/null | sed -n '/^commands:/,/^$/p' |
               grep -oE '^  [a-z][a-z-]+' | tr -d ' ')
    COMPREPLY=($(compgen -W "$commands --version --help" -- "$cur"))
    return
  fi
  case "$prev" in
    --state-dir|--workflow)
      COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --backend)
      COMPREPLY=($(compgen -W "local mpi slurm" -- "$cur")); return ;;
    --format)
      COMPREPLY=($(compgen -W "dot mermaid" -- "$cur")); return ;;
    --status)
      COMPREPLY=($(compgen -W "PENDING RUNNING SUCCEEDED FAILED TIMED_OUT ABORTED" -- "$cur"))
      return ;;
  esac
  if [[ "$cmd" == callback && COMP_CWORD -eq 2 ]]; then
    COMPREPLY=($(compgen -W "success failure heartbeat" -- "$cur"))
    return
  fi
  if [[ "$cur" == -* ]]; then
    local flags
    flags=$("$bin" "$cmd" --help 2>/dev/null | grep -oE -- '--[a-z][a-z-]+' | sort -u)
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    return
  fi
  # Workflow files and @FILE inputs.
  COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -F _hpcflow hpcflow
