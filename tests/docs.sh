#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# docs.sh BUILD_DIR - the man pages and the bash completion the build
# wrote ("b4ns __doc write", cli/doc.c): each page renders without a
# warning, every long option of every subcommand (as "b4ns CMD --help"
# lists it and as the completion offers it) is in its page, the completion
# completes subcommands, options and their values in bash, and
# "cmake --install" puts the files where man and bash-completion look.
# The unit test test_doc checks the generators against the option tables
# themselves. Needs man (man-db) and groff; runs as any user, in ~2 s.
set -uo pipefail

BUILD=${1:?usage: docs.sh BUILD_DIR}
B4NS=$BUILD/b4ns
DOC=$BUILD/doc
n=0 failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { # NAME COMMAND...: passes if COMMAND succeeds
	local name=$1
	shift
	if "$@"; then ok "$name"; else fail "$name"; fi
}

mapfile -t cmds < <(sed -n "s/^_b4ns_commands='\(.*\)'$/\1/p" "$DOC/completions/b4ns" | tr ' ' '\n')
# the subcommands, as "b4ns --help" lists them, are those of the completion
mapfile -t listed < <("$B4NS" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p')
check "completion lists the commands of b4ns --help (${#listed[@]})" \
	test "${cmds[*]}" = "${listed[*]}" -a "${#cmds[@]}" -ge 7

pages=("$DOC/man1/b4ns.1" "$DOC/man5/b4ns.conf.5")
for c in "${cmds[@]}"; do pages+=("$DOC/man1/b4ns-$c.1"); done
for p in "${pages[@]}"; do
	w=$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$p" 2>&1 >/dev/null)
	check "$(basename "$p") renders without warnings${w:+: $w}" test -s "$p" -a -z "$w"
done

# every long option "b4ns CMD --help" documents is in CMD's page and in the
# completion (test_doc checks --help against the tables)
for c in "${cmds[@]}"; do
	text=$(MANWIDTH=200 man -l "$DOC/man1/b4ns-$c.1" 2>/dev/null)
	# the options of its entries: lines indented less than 8 columns
	mapfile -t longs < <("$B4NS" "$c" --help | grep -E '^ {1,7}-' |
		sed -E 's/^ *//; s/(--[^ ,]*(, )?)+ .*/&/' | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u)
	opts=$(sed -n "s/^_b4ns_opts_${c//-/_}='\(.*\)'$/\1/p" "$DOC/completions/b4ns")
	missing=()
	for o in "${longs[@]}"; do
		grep -qF -- "$o" <<<"$text" || missing+=("page:$o")
		[[ " $opts " == *" $o "* || " $opts " == *" $o= "* ]] || missing+=("completion:$o")
	done
	check "b4ns-$c.1 and the completion have its ${#longs[@]} options${missing[*]:+ (missing ${missing[*]})}" \
		test "${#missing[@]}" = 0 -a "${#longs[@]}" -ge 2
done
conf=$(MANWIDTH=200 man -l "$DOC/man5/b4ns.conf.5" 2>/dev/null)
mapfile -t keys < <(grep -oE '^#?[a-z_]+ = ' "${0%/*}/../config/b4ns.conf.example" | tr -d '#= ' | sort -u)
missing=()
for k in "${keys[@]}"; do grep -qE "^ {7}([a-z_]+, )*$k(,| |$)" <<<"$conf" || missing+=("$k"); done
check "b4ns.conf.5 describes the ${#keys[@]} keys of b4ns.conf.example${missing[*]:+ (missing ${missing[*]})}" \
	test "${#missing[@]}" = 0 -a "${#keys[@]}" -ge 20

# the completion, as bash runs it on TAB
complete_words() { # WORD...: what TAB after the last WORD offers
	bash --norc --noprofile -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_b4ns b4ns "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$DOC/completions/b4ns" "$@"
}
check "b4ns ru<TAB>: run" test "$(complete_words b4ns ru)" = run
check "b4ns run --ne<TAB>: --net= and --network=" \
	test "$(complete_words b4ns run --ne | tr '\n' ' ')" = "--net= --network= "
check "b4ns run --netw<TAB>: --network=" test "$(complete_words b4ns run --netw)" = --network=
check "b4ns run --net=sl<TAB> (split at =): slirp4netns" \
	test "$(complete_words b4ns run --net = sl)" = slirp4netns
check "b4ns run --mode <TAB>: the four modes" \
	test "$(complete_words b4ns run --mode '' | tr '\n' ' ')" = "seccomp preload auto off "
check "b4ns daemon --log-level=<TAB>: the levels" \
	test "$(complete_words b4ns daemon --log-level = '' | tr '\n' ' ')" = "error warn info debug "
check "b4ns trace --js<TAB>: --json; trace takes run's --switch-udp" \
	test "$(complete_words b4ns trace --js)" = --json -a \
	"$(complete_words b4ns trace --switch)" = --switch-udp
offers() { # REPLY WORD...: TAB after the WORDs offers REPLY
	local out
	out=$(complete_words "${@:2}")
	grep -qx -- "$1" <<<"$out"
}
check "b4ns run -p 80:80 -- bas<TAB>: a command (bash), not an option" \
	offers bash b4ns run -p 80:80 -- bas
check "b4ns run -v bas<TAB>: the command starts at the first operand" \
	offers bash b4ns run -v bas
check "b4ns run -- ls --ne<TAB>: nothing of b4ns's" \
	test -z "$(complete_words b4ns run -- ls --ne)"
check "b4ns status --<TAB>: its options only" \
	test "$(complete_words b4ns status -- | tr '\n' ' ')" = "--json --socket= --help "
check "b4ns status --j<TAB>: --json" test "$(complete_words b4ns status --j)" = --json

# installed where man and bash-completion look
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
if cmake --install "$BUILD" --prefix "$dest" >/dev/null 2>&1; then
	missing=()
	for p in "${pages[@]}"; do
		sec=${p##*.}
		[ -s "$dest/share/man/man$sec/$(basename "$p")" ] || missing+=("$(basename "$p")")
	done
	[ -s "$dest/share/bash-completion/completions/b4ns" ] || missing+=(completion)
	check "cmake --install puts ${#pages[@]} pages and the completion in place${missing[*]:+ (missing ${missing[*]})}" \
		test "${#missing[@]}" = 0
	where=$(MANPATH=$dest/share/man man -w b4ns-run 2>/dev/null)
	check "man finds the installed b4ns-run(1)" test "$where" = "$dest/share/man/man1/b4ns-run.1"
else
	fail "cmake --install $BUILD --prefix $dest"
fi

echo "$((n - failed)) passed, $failed failed, 0 skipped"
[ "$failed" = 0 ]
