# Sourced by drive.zsh inside the interactive zsh: load the script under test the way a
# user would ($1: "source" it after compinit, or "fpath": its directory goes on $fpath
# before compinit), and make TAB print what it would offer instead of inserting it.
PS1='' RPS1='' PROMPT_EOL_MARK=''
stty columns 250 2>/dev/null
if [[ $1 == fpath ]]; then
  fpath=( ${2:h} $fpath )
  autoload -Uz compinit && compinit -u -D
else
  autoload -Uz compinit && compinit -u -D
  source $2
fi
# Every candidate added (after zsh's own matching) is printed between \x1e marks, which
# the terminal's echo of typed text never contains.
compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a hits descs
  local i order=sorted
  if (( $@[(I)-d] )); then descs=( "${(@P)${@[$(( $@[(i)-d] + 1 ))]}}" ); fi
  (( $@[(I)nosort] )) && order=kept
  builtin compadd -A hits -D descs "$@"
  for (( i = 1; i <= $#hits; i++ )); do
    print -r -- $'\x1e'"C${hits[i]}"$'\t'"${descs[i]}"$'\t'"$order"$'\x1e'
  done
}
_drive_end() {
  print -r -- $'\x1e'END$'\x1e'
  compstate[insert]='' compstate[list]=''
}
comppostfuncs=( _drive_end )
bindkey '^I' complete-word
