# zsh -f drive.zsh MODE SCRIPT LINE
# Types LINE and a TAB into an interactive zsh, run in a zpty, that has loaded the
# completion SCRIPT (MODE: "source" or "fpath", see zsh_setup.zsh), and prints each
# candidate zsh offers as "value<TAB>shown<TAB>order": `shown` is zsh's listing line
# (value, padding, " -- description"), `order` is "kept" when zsh lists the candidates in
# the order given and "sorted" when it sorts them.
zmodload zsh/zpty || exit 3
mode=$1 script=$2 line=$3
setup=${0:A:h}/zsh_setup.zsh
zpty z zsh -f -i
zpty -w z "source ${(q)setup} ${(q)mode} ${(q)script}"
zpty -n -w z "$line"$'\t'
integer tries=0
out=
while (( tries++ < 1500 )); do
  if zpty -r -t z chunk; then
    out+=$chunk
    [[ $out == *$'\x1e'END$'\x1e'* ]] && break
  else
    sleep 0.01
  fi
done
zpty -d z
[[ $out == *$'\x1e'END$'\x1e'* ]] || { print -u2 -r -- "no completion seen: $out"; exit 4 }
print -r -- "$out" | tr -d '\r' | grep -a -o $'\x1eC[^\x1e]*' | cut -c3-
