# tests/lib.sh: sourced by every tests/e2e/tNNNN-*.sh: a per-test temp dir, mail stacks and
# smtp-sinks that are always stopped, test_expect_success, assertions, a summary.
#
#   #!/bin/bash
#   . "${0%/*}/../lib.sh"
#   require_root
#   start_stack                 # Postfix + Dovecot in $T/ms; exports $MS_* (tests/mailstack/README.md)
#   test_expect_success 'a reply to the campaign is recorded' '
#       "$OUTREACH" send ...
#       ms wait catchall 1
#       assert_contains "$(ms list catchall)" dr.lee@hospital.example
#   '
#   test_done
#
# Each test body runs in a subshell with `set -eu`: the first failing command fails the test
# (one command per line; see test_expect_success). Variables set in a body do not survive
# it; start stacks and sinks at the top level. The body's cwd is $T.
# Exit status: 0 all passed, 1 something failed, 77 skipped (skip_all).
# The temp dir $T (short, under /tmp) is removed on success and kept on failure.
# Environment: OUTREACH, OUTREACH_HOOKS (binaries under test, absolute paths, set by the
# Makefile), E2E_VERBOSE=1 (show every body's output), E2E_KEEP=1 (keep $T even on success).

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
MAILSTACK=$TOP/tests/mailstack/mailstack
PY=/usr/bin/python3
TEST_NAME=$(basename "$0" .sh)
export TOP MAILSTACK PY

set +e # a failing test must not end the script before the summary and the cleanup

_t_count=0
_t_failed=0
_t_failed_names=
_t_done=
_t_start=$EPOCHREALTIME

T=$(mktemp -d /tmp/e2e.XXXXXX) || { echo "$TEST_NAME: cannot make a temp dir" >&2; exit 1; }
chmod 0755 "$T" # the mail daemons' users must reach stacks inside it
: >"$T/.stacks"
: >"$T/.sinks"
export T

_lib_cleanup() {
	local rc=$? root pid
	trap - EXIT INT TERM HUP
	# Stop sinks, then stacks, even after a failure or a signal.
	while read -r pid; do
		_kill_sink "$pid"
	done <"$T/.sinks"
	while read -r root; do
		"$MAILSTACK" stop "$root" || rc=1
	done <"$T/.stacks"
	if [ $rc = 0 ] && [ -z "$_t_done" ]; then
		echo "# $TEST_NAME: the script ended without test_done" >&2
		rc=1
	fi
	if [ -e "$T/.failed" ] && [ $rc = 0 ]; then
		rc=1
	fi
	if [ $rc = 0 ] || [ $rc = 77 ]; then
		[ -n "${E2E_KEEP:-}" ] && echo "# kept $T" || rm -rf "$T"
	else
		_dump_logs
		echo "# $TEST_NAME: failed (exit $rc); kept $T for inspection"
	fi
	exit $rc
}
trap _lib_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

_dump_logs() {
	local root f
	while read -r root; do
		for f in "$root"/log/postfix.log "$root"/log/dovecot.log; do
			[ -s "$f" ] || continue
			echo "# --- last lines of $f"
			tail -n 10 "$f" | sed 's/^/# /'
		done
	done <"$T/.stacks"
}

# ---------------------------------------------------------------- running tests

# test_expect_success DESCRIPTION BODY: run BODY (shell code) in a subshell with set -eu.
# Write one command per line and let set -e stop at the first failure: a command that fails
# inside an && chain (but not at its end), in a loop in such a chain, or after "!" does not
# stop the body. The ERR trap names the command that failed.
test_expect_success() {
	[ $# = 2 ] || { echo "bug: test_expect_success needs 2 arguments, got $#" >&2; exit 1; }
	_t_count=$((_t_count + 1))
	local out=$T/.out.$_t_count rc t0=$EPOCHREALTIME
	if [ -n "${E2E_VERBOSE:-}" ]; then
		echo "# body of test $_t_count:"
		( set -eu; trap 'echo "failed (exit $?): $BASH_COMMAND" >&2' ERR; eval "$2" ) 2>&1 | tee "$out"
		rc=${PIPESTATUS[0]}
	else
		( set -eu; trap 'echo "failed (exit $?): $BASH_COMMAND" >&2' ERR; eval "$2" ) >"$out" 2>&1 </dev/null
		rc=$?
	fi
	local secs
	secs=$(_elapsed "$t0")
	if [ $rc = 0 ]; then
		echo "ok $_t_count - $1 (${secs}s)"
	else
		echo "not ok $_t_count - $1 (exit $rc, ${secs}s)"
		echo "#   test body:"
		printf '%s\n' "$2" | sed 's/^/#     /'
		echo "#   output:"
		sed 's/^/#     /' "$out"
		_t_failed=$((_t_failed + 1))
		_t_failed_names="$_t_failed_names $_t_count"
	fi
	return 0
}

# test_done: print the summary and exit (0 if every test passed, else 1).
test_done() {
	_t_done=1
	local secs
	secs=$(_elapsed "$_t_start")
	if [ $_t_failed = 0 ] && [ ! -e "$T/.failed" ]; then
		echo "# $TEST_NAME: all $_t_count passed (${secs}s)"
		exit 0
	fi
	[ -e "$T/.failed" ] && echo "# $TEST_NAME: an assertion outside test_expect_success failed"
	echo "# $TEST_NAME: failed $_t_failed of $_t_count:$_t_failed_names (${secs}s)"
	exit 1
}

# skip_all [--allowed-in-ci] REASON: skip the whole file (exit 77). tests/run-e2e turns a
# skip into a failure in CI unless the test says --allowed-in-ci (it cannot run there).
skip_all() {
	local tag=
	[ "${1:-}" = --allowed-in-ci ] && { tag=" (allowed in CI)"; shift; }
	echo "1..0 # SKIP$tag $*"
	_t_done=1
	exit 77
}

# bail REASON: stop the file now as a failure (setup that cannot go on).
bail() {
	echo "Bail out! $*"
	exit 1
}

require_root() {
	[ "$(id -u)" = 0 ] || skip_all "needs root: Postfix runs only as root (tests/mailstack/README.md)"
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip_all "needs '$c'"
	done
}

# require_outreach / require_outreach_hooks: the binary under test, as set by `make e2e`.
require_outreach() {
	[ -n "${OUTREACH:-}" ] && [ -x "$OUTREACH" ] ||
		skip_all "\$OUTREACH is not an executable (run through 'make e2e')"
}
require_outreach_hooks() {
	[ -n "${OUTREACH_HOOKS:-}" ] && [ -x "$OUTREACH_HOOKS" ] ||
		skip_all "\$OUTREACH_HOOKS is not an executable (run through 'make e2e')"
}

_elapsed() { # seconds since $1 (an $EPOCHREALTIME), one decimal
	local now=$EPOCHREALTIME
	awk -v a="$1" -v b="$now" 'BEGIN { printf "%.1f", b - a }'
}

# ---------------------------------------------------------------- mail stacks

# start_stack [NAME] [mailstack start options]: start a stack in $T/NAME (default "ms") and
# export its environment ($MS_ROOT, $MS_SUBMISSION_PORT, ...). The last one started, or the
# one chosen with use_stack, is what $MS_* and `ms` refer to. Bails out if it cannot start.
start_stack() {
	local name=ms
	case ${1:-} in '' | -*) ;; *) name=$1; shift ;; esac
	mkdir -p "$T/$name" || bail "cannot make $T/$name"
	track_stack "$T/$name"
	MS_OWNER_PID=$$ "$MAILSTACK" start "$T/$name" "$@" || bail "mailstack start $T/$name $* failed"
	use_stack "$name"
}

# track_stack ROOTDIR: stop this ROOTDIR at exit too (for stacks started with
# "$MAILSTACK" start directly, e.g. several at once in the background).
track_stack() {
	echo "$1" >>"$T/.stacks"
}

# use_stack NAME: point $MS_* and `ms` at the stack in $T/NAME.
use_stack() {
	[ -r "$T/$1/env" ] || bail "no stack '$1' in $T"
	set -a
	. "$T/$1/env"
	set +a
}

# stop_stack [NAME]: stop a stack now (it stays registered; stopping twice is harmless).
stop_stack() {
	"$MAILSTACK" stop "$T/${1:-ms}"
}

# ms COMMAND ARGS...: tests/mailstack/mailstack COMMAND $MS_ROOT ARGS... for the current
# stack, e.g. `ms list catchall`, `ms wait amina 2`, `ms inject reply.eml`.
ms() {
	local cmd=$1
	shift
	"$MAILSTACK" "$cmd" "$MS_ROOT" "$@"
}

# mailbox_snapshot USER FILE / assert_mailbox_unchanged USER FILE: every folder, message,
# flag and content hash of USER's Maildir, e.g. around a poll that must change nothing.
mailbox_snapshot() {
	ms snapshot "$1" >"$2"
}
assert_mailbox_unchanged() {
	local now=$T/.snapshot.$$
	ms snapshot "$1" >"$now" || return 1
	diff -u "$2" "$now" >"$now.diff" && return 0
	_assert_fail "mailbox of $1 changed:" "$(cat "$now.diff")"
}

# ---------------------------------------------------------------- smtp-sink

# start_sink NAME [smtp-sink options]: run smtp-sink (plain SMTP, no TLS, see the table in
# tests/mailstack/README.md) on a free port; sets SINK_PORT and SINK_DIR (captured messages
# are files in $SINK_DIR/mail/). Bails out if it cannot start.
start_sink() {
	local name=$1
	shift
	mkdir -p "$T/sinks" || bail "cannot make $T/sinks"
	grep -qx "$T/sinks" "$T/.stacks" || echo "$T/sinks" >>"$T/.stacks"
	SINK_PORT=$(MS_OWNER_PID=$$ "$MAILSTACK" sink "$T/sinks" "$name" "$@") ||
		bail "mailstack sink $name $* failed"
	SINK_DIR=$T/sinks/sink.$name
	cat "$SINK_DIR/pid" >>"$T/.sinks"
	export SINK_PORT SINK_DIR
}

# stop_sink NAME: stop one sink (the others keep running).
stop_sink() {
	_kill_sink "$(cat "$T/sinks/sink.$1/pid")"
}

_kill_sink() { # PID: only if it is still an smtp-sink; wait until it is gone
	local pid=$1 i
	[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = /usr/sbin/smtp-sink ] || return 0
	kill "$pid" 2>/dev/null || return 0
	for i in $(seq 100); do
		[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = /usr/sbin/smtp-sink ] || return 0
		grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && return 0
		sleep 0.02
	done
	kill -9 "$pid" 2>/dev/null || true
}

# sink_count NAME: number of transactions the sink has captured.
sink_count() {
	find "$T/sinks/sink.$1/mail" -type f | wc -l
}

# ---------------------------------------------------------------- assertions
# Each prints what it expected and what it got, and returns 1. Outside test_expect_success
# a failure still fails the file (test_done sees $T/.failed). Functions here run under the
# bodies' set -e: every command that may fail is tested, so none ends a body silently.

_assert_fail() {
	{
		echo "assertion failed: $1"
		shift
		local l
		for l in "$@"; do printf '%s\n' "$l" | sed 's/^/    /'; done
	} >&2
	# Inside a test body the body's own failure is what counts; outside, mark the file.
	[ "$BASH_SUBSHELL" = 0 ] && : >"$T/.failed"
	return 1
}

assert_eq() { # EXPECTED ACTUAL [WHAT]
	[ "$1" = "$2" ] && return 0
	_assert_fail "${3:-values differ}" "expected: '$1'" "actual:   '$2'"
}

assert_ne() { # UNEXPECTED ACTUAL [WHAT]
	[ "$1" != "$2" ] && return 0
	_assert_fail "${3:-value should differ}" "both are: '$1'"
}

assert_contains() { # HAYSTACK NEEDLE
	case $1 in *"$2"*) return 0 ;; esac
	_assert_fail "text does not contain '$2'" "text: $1"
}

assert_not_contains() { # HAYSTACK NEEDLE
	case $1 in *"$2"*) ;; *) return 0 ;; esac
	_assert_fail "text contains '$2'" "text: $1"
}

assert_match() { # STRING ERE
	printf '%s\n' "$1" | grep -Eq -- "$2" && return 0
	_assert_fail "text does not match /$2/" "text: $1"
}

# _file_has FILE NEEDLE: FILE contains the fixed string NEEDLE. grep -F alone would take
# each line of a multi-line needle as a pattern of its own and match any one of them.
_file_has() {
	case $2 in
	*$'\n'*)
		local text
		text=$(cat "$1") || return 1
		case $text in *"$2"*) return 0 ;; esac
		return 1
		;;
	esac
	grep -Fq -- "$2" "$1"
}

assert_file_contains() { # FILE NEEDLE (a fixed string, may span lines)
	[ -f "$1" ] || { _assert_fail "no file $1"; return 1; }
	_file_has "$1" "$2" && return 0
	_assert_fail "$1 does not contain '$2'" "$(head -c 4000 "$1")"
}

assert_file_not_contains() { # FILE NEEDLE (a fixed string, may span lines)
	[ -f "$1" ] || { _assert_fail "no file $1"; return 1; }
	_file_has "$1" "$2" || return 0
	_assert_fail "$1 contains '$2'" "$(grep -Fn -- "$2" "$1" | head -n 5)"
}

assert_file_matches() { # FILE ERE
	[ -f "$1" ] || { _assert_fail "no file $1"; return 1; }
	grep -Eq -- "$2" "$1" && return 0
	_assert_fail "$1 does not match /$2/" "$(head -c 4000 "$1")"
}

# assert_exit CODE COMMAND...: run COMMAND (stdout in $T/stdout, stderr in $T/stderr) and
# check its exit status.
assert_exit() {
	local want=$1 rc=0
	shift
	"$@" >"$T/stdout" 2>"$T/stderr" </dev/null || rc=$?
	[ "$rc" = "$want" ] && return 0
	_assert_fail "'$*' exited $rc, expected $want" "stdout: $(head -c 2000 "$T/stdout")" \
		"stderr: $(head -c 2000 "$T/stderr")"
}

# ---------------------------------------------------------------- misc

# py [ARGS]: the system Python (stdlib only); a script on stdin or -c.
py() {
	"$PY" "$@"
}

cd "$T" || bail "cannot cd to $T"
