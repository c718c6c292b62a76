#!/bin/sh
# make_dict.sh BASE SRC... - a libFuzzer dictionary: BASE (hand-written
# entries: separators, numbers, addresses) followed by every lowercase
# word that SRC files hold as a string literal ("flows", "ratelimit", ...),
# so the keys and keywords of the code stay in the dictionary as they
# change.
set -eu
base=$1; shift
cat "$base"
grep -ohE '"[a-z][a-z0-9-]+"' "$@" | sort -u
