# Shared by nomad-binary and devpod-binary: build a Go program from the Go module proxy once, cache it under
# ~/.cache/devpod-provider-nomad/<name>/<version>/<name>, and print its path (stdout = the path, nothing else).
#
#   go_tool_path NAME VERSION BUILD_FN
#
# BUILD_FN is called with (module dir copy, output path) inside a writable copy of the downloaded module; it
# must leave the binary at the output path. One build at a time per tool and version (flock). Messages name the
# calling script as GO_TOOL_LABEL (default NAME-binary).

go_module_dir() { # MODULE@VERSION -> prints the module cache dir (and the .info path on fd 3)
  local meta
  meta="$(GOFLAGS=-mod=mod go mod download -json "$1")" || { echo "go-tool: cannot download $1: $meta" >&2; return 1; }
  node -e '
    const m = JSON.parse(process.argv[1]);
    if (m.Error) { console.error(m.Error); process.exit(1); }
    console.log(m.Dir + "\t" + m.Info);
  ' "$meta"
}

go_tool_path() {
  local name="$1" version="$2" build_fn="$3"
  local cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/devpod-provider-nomad/$name/$version"
  local bin="$cache_root/$name"
  if [[ -x "$bin" ]]; then echo "$bin"; return 0; fi
  command -v go >/dev/null || { echo "${GO_TOOL_LABEL:-$name-binary}: Go is required to build $name $version" >&2; return 1; }
  mkdir -p "$cache_root"
  exec 9>"$cache_root/.lock"
  flock 9
  if [[ -x "$bin" ]]; then echo "$bin"; return 0; fi

  local start work
  start=$(date +%s)
  work="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "chmod -R u+w '$work' 2>/dev/null; rm -rf '$work'" EXIT
  "$build_fn" "$work" "$work/$name.bin"
  mv "$work/$name.bin" "$bin"
  echo "${GO_TOOL_LABEL:-$name-binary}: built $name $version in $(( $(date +%s) - start ))s -> $bin" >&2
  echo "$bin"
}

# Copies a module directory from the read-only module cache to a writable place.
writable_copy() {
  cp -r "$1" "$2"
  chmod -R u+w "$2"
}

# Source edits for trimmed builds (vault-binary, openbao-binary). Each fails unless its text occurs exactly once, so
# a tree that differs from what the script expects stops the build here, loudly.
#
#   replace_once FILE FROM TO   replaces the one occurrence of the literal FROM
#   drop_line FILE TEXT         removes the one line that contains the literal TEXT
replace_once() {
  LABEL="${GO_TOOL_LABEL:-go-tool}" FROM="$2" TO="$3" perl -0pi -e '
    my $n = () = /\Q$ENV{FROM}\E/g;
    die "$ENV{LABEL}: $ARGV: expected one \"$ENV{FROM}\", found $n\n" if $n != 1;
    s/\Q$ENV{FROM}\E/$ENV{TO}/' "$1"
}
drop_line() {
  LABEL="${GO_TOOL_LABEL:-go-tool}" TEXT="$2" perl -0pi -e '
    my $n = () = /^.*\Q$ENV{TEXT}\E.*\n/mg;
    die "$ENV{LABEL}: $ARGV: expected one line with \"$ENV{TEXT}\", found $n\n" if $n != 1;
    s/^.*\Q$ENV{TEXT}\E.*\n//m' "$1"
}
