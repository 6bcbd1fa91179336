# Sourced by the CLI test scripts: failure counting and the `expect` check.
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# expect CODE PATTERN -- command...: exit status and a regex on stdout+stderr
expect() {
  local code=$1 pattern=$2; shift 3
  local out status
  out=$("$@" 2>&1); status=$?
  [ "$status" -eq "$code" ] || fail "'$*' exited $status, expected $code. Output: $out"
  [ -z "$pattern" ] || grep -Eq -- "$pattern" <<<"$out" || fail "'$*' output lacks /$pattern/: $out"
}
