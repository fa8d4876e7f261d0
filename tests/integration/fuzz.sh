#!/bin/sh
# Fuzz every parser that reads outside bytes (tests/fuzz/fuzz_parsers.c)
# with libFuzzer + ASan + UBSan for a bounded time: any crash, sanitizer
# report or failed round trip is a failure.
. "$SW_SRCDIR/tests/lib.sh"

secs=${SW_FUZZ_SECONDS:-15}
s="$SW_SRCDIR/src"
if ! clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-D_GNU_SOURCE -I"$s" "$SW_SRCDIR/tests/fuzz/fuzz_parsers.c" "$s/cgi_response.c" \
	"$s/cookie.c" "$s/form.c" "$s/fcgi_params.c" "$s/directive.c" "$s/session.c" "$s/codec.c" "$s/slots.c" "$s/log.c" "$s/csrf.c" \
	"$s/access.c" "$s/pwfile.c" \
	-o "$T/fuzz" >"$T/build.log" 2>&1; then
	cat "$T/build.log"
	notok "fuzzer builds (clang with libFuzzer: packages clang, libclang-rt-14-dev)"
	exit 0
fi
ok "fuzzer builds"
mkdir "$T/corpus"
"$T/fuzz" -max_total_time="$secs" -max_len=8192 -timeout=10 "$T/corpus" >"$T/fuzz.log" 2>&1
rc=$?
runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$T/fuzz.log")
echo "# $runs runs in ${secs}s"
tail -n 20 "$T/fuzz.log" | grep -E 'ERROR|SUMMARY|deadly|crash-' | sed 's/^/# /'
expect_eq "parsers survive ${secs}s of fuzzing (exit status)" 0 "$rc"
check "the fuzzer really ran (${runs:-0} runs)" [ "${runs:-0}" -gt 10000 ]
