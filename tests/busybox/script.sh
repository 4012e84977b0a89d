# A shell script for Debian's busybox-static, run by the same binary on
# Amphi (kernel/busybox_script_selftest.c) and on the host Linux
# (tests/busybox/host-run.sh): the two outputs must be equal byte for
# byte.  It prints nothing that differs between two correct kernels:
# no dates, inode numbers, pids, absolute paths or sizes of directories;
# what /proc reports is checked for its form, not its values.
# Run as `sh script.sh` in a directory it may write, stdin /dev/null,
# environment PATH=/bin only.
umask 022
export TZ=UTC0
mkdir work && cd work || exit 99
n=0
section() { n=$((n + 1)); echo "== $n $*"; }

section echo and printf
echo plain words   "and  spaces"
echo -n 'no newline'; echo '|'
printf '%s-%d-%05d-%x-%o-%c|%-6s|%6s|\n' str 42 17 255 8 xyz left right
printf '%b\n' 'tab\there' 'back\\slash'
printf '%s\n' a b c

section variables and arithmetic
x=5 y=7
echo "$((x * y)) $((y % x)) $(((x + y) << 2)) $((x > y)) $((-x / 2))"
s="hello world"
echo "${#s} ${s#hello } ${s%world}| ${s:-unset} ${unset_var:-default} ${s/o/0}"
set -- one two "three four"
echo "$# $1 $3"
shift; echo "$#: $*"

section redirections
echo first >f1
echo second >>f1
cat <f1
{ echo to stderr >&2; echo to stdout; } >f2 2>&1
sort f2
echo err 2>/dev/null >&2
exec 3>f3
echo via fd3 >&3
exec 3>&-
cat f3
cat <<END
here-doc $x ${s%% *}
  indented line
END
cat <<'END'
quoted $x here-doc
END
tr a-z A-Z <<END | tr -d E
a here-doc through a pipe
END

section pipes
seq 1 200 | sort -rn | head -3
seq 1 1000 | wc -l
yes abc | head -n 4 | uniq -c
printf 'b\na\nc\na\nb\n' | sort | uniq -c | sort -k2
echo one two three | tr ' ' '\n' | wc -l
printf 'k1:v1:x\nk2:v2:y\n' | cut -d: -f2,3
echo "alpha beta gamma" | sed 's/beta/BETA/; s/a$/A/'
seq 10 | sed -n '3,5p'
seq 20 | grep -c 1
printf 'x1\ny2\nx3\n' | grep -n x
printf 'x1\ny2\n' | grep -v x

section subshells and command substitution
v=outer
( v=inner; echo "in: $v"; cd /; exit 0 )
echo "out: $v $(basename "$(pwd)")"
inner=$(echo "$(echo nested) substitution")
echo "$inner"
echo "backticks: `expr 6 \* 7`"
(exit 7); echo "subshell status $?"

section loops and case
for i in 1 2 3; do printf '%s ' "i$i"; done; echo
i=0; while [ $i -lt 5 ]; do i=$((i + 1)); [ $i = 2 ] && continue; [ $i = 4 ] && break; printf '%s ' $i; done; echo
until [ $i -le 0 ]; do i=$((i - 1)); done; echo "until $i"
for w in apple 42 -x ''; do
	case $w in
	[0-9]*) echo "$w: number" ;;
	-*) echo "$w: option" ;;
	'') echo "(empty)" ;;
	*) echo "$w: word" ;;
	esac
done
printf 'a 1\nb 2\nc 3\n' >pairs
while read -r k v; do echo "$v=$k"; done <pairs

section functions
fact() { if [ "$1" -le 1 ]; then echo 1; else echo $(($1 * $(fact $(($1 - 1))))); fi; }
echo "10! = $(fact 10)"
ret() { return "$1"; }
ret 3; echo "return $?"
loc() { local v=local; echo "$v"; }
v=global; loc; echo "$v"

section exit statuses
true; echo "true $?"
false; echo "false $?"
sh -c 'exit 3'; echo "sh -c exit 3: $?"
nosuchcommand 2>/dev/null; echo "not found: $?"
! true; echo "negated: $?"
false || echo "or: ran"
true && echo "and: ran"
test 1 -eq 2; echo "test: $?"
[ abc = abc ] && [ -n abc ] && [ -z "" ] && echo "brackets: ok"
expr 3 + 4; expr length hello; expr 7 \< 3; echo "expr status $?"

section signals and traps
trap 'echo "trap: USR1 caught"' USR1
kill -USR1 $$
echo "after kill: $?"
trap 'echo "trap: USR2 caught"' USR2
sh -c 'kill -USR2 $PPID' ; echo "child signalled parent: $?"
trap - USR1 USR2
sh -c 'kill -TERM $$; echo not reached'; echo "killed by TERM: $?"
sh -c 'kill -KILL $$'; echo "killed by KILL: $?"
sh -c 'kill -USR1 $$'; echo "killed by USR1: $?"
sh -c 'trap "echo child trap; exit 5" INT; kill -INT $$; echo not reached'; echo "child trap exit: $?"
trap 'echo "trap: EXIT in subshell"' EXIT
( trap 'echo "trap: subshell exit"' EXIT; exit 0 )
trap - EXIT
( sh -c 'kill -9 $$'; exit 4 ); echo "subshell went on: $?"

section background jobs and wait
sh -c 'exit 6' &
wait $!; echo "wait: $?"
( echo bg1 >bg.out ) &
wait; cat bg.out

section files
mkdir -p d1/d2/d3
echo data >d1/file
cp d1/file d1/copy
mv d1/copy d1/moved
ln d1/file d1/hard
ln -s file d1/sym
ln -s .. d1/d2/up
touch d1/empty
printf '%s\n' one two three >d1/d2/lines
ls d1
ls -a d1/d2
ls -1F d1
ls -R d1 | grep -v '^$'
readlink d1/sym
readlink d1/d2/up
cat d1/d2/up/sym
stat -c '%n %s %h %F %a' d1/file d1/hard d1/empty d1/d2/lines
stat -c '%n %F %a' d1/sym d1/d2
[ -L d1/sym ] && [ -f d1/sym ] && [ -d d1/d2 ] && [ ! -e d1/none ] && echo "tests: ok"
[ d1/file -ef d1/hard ] && echo "same file: ok"
cp -r d1 d1copy
find d1copy | sort
rm d1/moved
rmdir d1/d2/d3
rmdir d1/d2 2>/dev/null || echo "rmdir non-empty: refused"
rm -r d1copy
ls d1
mv d1/empty d1/renamed
ls d1
chmod 751 d1/renamed
stat -c '%a' d1/renamed
[ -x d1/renamed ] && echo "chmod: executable"
touch -d '2001-02-03 04:05:06' d1/renamed 2>/dev/null
date -r d1/renamed '+%Y%m%d%H%M' 2>/dev/null || echo "date -r unsupported"

section contents
seq 1 50 >nums
wc nums
wc -c <nums
head -n 3 nums
tail -n 2 nums
head -c 7 nums | od -c | head -2
tail -c 4 nums
sha256sum nums
md5sum nums
sha256sum <nums
cat nums nums | sort -n | uniq -d | wc -l
sort -n -r nums | head -n 2
dd if=/dev/zero of=zeros bs=512 count=8 2>/dev/null
wc -c zeros
md5sum zeros
dd if=nums bs=1 skip=3 count=5 2>/dev/null | od -An -c
od -An -tx1 -N 8 zeros
cmp nums nums && echo "cmp: equal"
cmp -s nums zeros || echo "cmp: differ"
echo 'a,b,c' | awk -F, '{ print $3 $2 $1, NF }'
seq 5 | awk '{ s += $1 } END { print "sum", s }'
diff nums nums && echo "diff: none"
seq 3 >s3; seq 4 >s4
diff s3 s4 | tail -n 1

section find and xargs
mkdir -p tree/a tree/b/c
for f in tree/a/x tree/a/y tree/b/z tree/b/c/w; do echo "$f" >"$f"; done
find tree -type f | sort
find tree -type d -name '[bc]' | sort
find tree -name 'y' -o -name 'w' | sort
find tree -type f | sort | xargs cat
find tree -type f | sort | xargs -n 2 echo pair:
echo tree/a/x tree/b/z | xargs wc -c | sort -n
rm -rf tree
[ -e tree ] || echo "rm -rf: gone"

section proc
read -r stat_line </proc/self/stat
set -- $stat_line
echo "stat fields: $# (pid matches: $([ "$1" = $$ ] && echo yes || echo no)) $2 $3"
cut -d' ' -f2,3 /proc/self/stat
awk '{ print $2, $3, (NF >= 44) }' /proc/self/stat
grep -E '^(Name|State):' /proc/self/status | tr '\t' ' '
grep -c '^PPid:' /proc/self/status
tr '\0' ' ' </proc/self/cmdline; echo
echo "self link: $([ "$(readlink /proc/self)" -gt 0 ] && echo a pid)"
[ -d /proc/$$ ] && echo "own pid dir: yes"
ps -o pid,args | while read -r pid args; do [ "$pid" = $$ ] && echo "ps: $args"; done
awk '/^(MemTotal|MemFree|MemAvailable|Buffers|Cached|SwapTotal|SwapFree):/ { print $1, ($2 >= 0), $3 }' /proc/meminfo
free | awk 'NR == 1 { print $1, $2, $3 } NR == 2 { print $1, ($2 > 0) }'
grep -q '^processor' /proc/cpuinfo && grep -q '^model name' /proc/cpuinfo && echo "cpuinfo: ok"
awk '{ print NF, ($1 > 0) }' /proc/uptime
uptime | grep -c 'load average'

section end
echo "script ran to its end"
