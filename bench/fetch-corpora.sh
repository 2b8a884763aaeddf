#!/usr/bin/env bash
# bench/fetch-corpora.sh DEST
#
# Fetches the quality-benchmark corpora at pinned versions with the ordinary package clients
# (cargo, pip, npm, apt-get) and unpacks each into DEST/<corpus>/. Every artifact is checked
# against a pinned sha256 before it is unpacked. Idempotent: a corpus whose stamp
# (DEST/.<corpus>.stamp) matches is left alone. Prints each corpus's file count; any failure
# stops the script with exit 1 and one line on stderr.
#
# Debian source packages ("debsrc") are fetched with `apt-get source --tar-only` through a
# private apt state folder whose source list is the machine's own Debian entries turned into
# deb-src ones, so the machine's apt configuration is not touched. Only the upstream tarball
# (`*.orig.tar.*`) is used: it is the project's source as its authors released it.
#
# Binary Debian packages ("deb", package written `name:folder`) serve languages whose upstream
# tarballs the mirror lacks: a Ruby or Lua library ships its source as it is installed. The
# .deb is what is pinned; only `folder` inside it is unpacked, and symlinks are followed. A
# source package may name a folder the same way (`scala:src/library/scala/collection`): a
# language's whole distribution is far more than one corpus, and the tarball is still what is
# pinned.
#
# Build output that duplicates the source (npm "dist/") is pruned; nothing else is touched.
set -euo pipefail

# corpus   kind    package                        version         sha256 of the artifact                                             prune  sentinel
CORPORA=(
  "tokio    crate   tokio                          1.47.1          89e49afdadebb872d3145a5638b59eb0691ea23e46ca484037cfab3b76b95038  -      src/net/tcp/listener.rs"
  "flask    pypi    flask                          3.1.1           284c7b8f2f58cb737f0cf1c30fd7eaf0ccfcde196099d24ecede3fc2005aa59e  -      src/flask/app.py"
  "express  npm     express                        4.21.2          fc43a91e7dc7affb53c6ad7123a4f35485ed3c45226ae7a3847b7738e783e008  -      lib/router/index.js"
  "rxjs     npm     rxjs                           7.8.2           2312f8ffd9726ffd7bd53ea12c5f13663d09a3dc3326f448c70b88f5ef6fac82  dist   src/internal/Observable.ts"
  "gin      debsrc  golang-github-gin-gonic-gin    1.8.1-1         9f6a9a6c2b96c323902d8ee1728152bafdf1894130554a93af5d3f1807c0403b  -      gin.go"
  "jsoup    debsrc  jsoup                          1.15.3-1        052511f0be47511f9b2a17d44fc1eccc4b5373e77cc5a3221e34b6af437e1e2e  -      src/main/java/org/jsoup/Jsoup.java"
  "lua      debsrc  lua5.4                         5.4.4-3+deb12u1 164c7849653b80ae67bec4b7473b884bf5cc8d2dca05653475ec2ed27b9ebf61  -      src/lvm.c"
  "leveldb  debsrc  leveldb                        1.23-4          9a37f8a6174f09bd622bc723b55881dc541cd50747cbd08831c2a82d620f6d76  -      db/db_impl.cc"
  "tokio-util crate tokio-util                     0.7.20          e464cf451ba96ebfc6f9b6542f17ee8b8956e33f1e40d9690624e59d7a7f8a4b  -      src/codec/lines_codec.rs"
  "oauthlib pypi    oauthlib                       3.2.2           9859c40929662bec5d64f34d01c99e093149682a3f38915dc0655d5a633dd918  -      oauthlib/oauth2/rfc6749/errors.py"
  "ajv      npm     ajv                            8.20.0          b2f0b3a893bbb8cc5efb6814f08b1499e19e31d5dd73683f5893382f48f6e7b3  dist   lib/core.ts"
  "cobra    debsrc  golang-github-spf13-cobra      1.6.1-1         f38f8b26895903be06089ff20882fc771dbca12f41cf81d7bd823be65e6cec52  -      command.go"
  "lang3    debsrc  libcommons-lang3-java          3.12.0-2+deb12u1 f7c22574707611b63bae19ff17f59e24cdd32e2b0e61a50ec9b1b525fbc909d1  -      src/main/java/org/apache/commons/lang3/StringUtils.java"
  "jansson  debsrc  jansson                        2.14-2          c739578bf6b764aa0752db9a2fdadcfe921c78f1228c7ec0bb47fa804c55d17b  -      src/load.c"
  "yaml-cpp debsrc  yaml-cpp                       0.7.0+dfsg-8    dc63708605404e0b963e0ca3a9619d1c8270eda2839603e6fa0384e5e51e5312  -      src/scanner.cpp"
  "serde_json crate serde_json                     1.0.154         e7e9cc8b1b85264074fbcc02a88680c4096b1e47df8f739dceb03bf482f04bd6  -      src/de.rs"
  "requests pypi    requests                       2.32.3          55365417734eb18255590a9ff9eb97e9e1da868d4ccd6402399eaf68af20a760  -      src/requests/sessions.py"
  "re2      debsrc  re2                            20220601+dfsg-1 3bc61251da3b0b97be40a8a127818c517c62516e4eda11fc901d29496663df54  -      re2/re2.cc"
  "mux      debsrc  golang-github-gorilla-mux      1.8.0-1         ea2639259d2ce6f402636655e91eb93ba69c139e3cbf80b044ee393ada53757b  -      mux.go"
  "hyper    crate   hyper                          1.13.0          229c6ff5584df4c6becbfe00567128bac768c8cd32ebc8a8366bd81ed072e8f3  -      src/proto/h1/role.rs"
  "rich     pypi    rich                           15.0.0          edd07a4824c6b40189fb7ac9bc4c52536e9780fbbfbddf6f1e2502c31b068c36  -      rich/console.py"
  "axios    npm     axios                          1.21.1          5659acb8c9414ad88aa539db8e529947c9bac8cdf55973e314a078fc0205751c  dist   lib/core/Axios.js"
  "mobx     npm     mobx                           7.1.3           bbd07665d8851ee01df2fd4e12db106c60fd878839610dd8b899548969625616  dist   src/core/reaction.ts"
  "urfave-cli debsrc golang-github-urfave-cli       1.22.9-2        90cea83f9783d02d938415d4e459390614b7f7f64d796ba98408f05f06a632f1  -      app.go"
  "jackson  debsrc  jackson-core                   2.14.1-2~deb12u1 d9eb6aa1898c4d5a582c52e69da249efae25e4d2c809c57dc6b6ee01c4b0fb3b  -      src/main/java/com/fasterxml/jackson/core/JsonFactory.java"
  "libuv    debsrc  libuv1                         1.44.2-1+deb12u1 d79b4b06ef04be85fb890bf39d55942cc64c2e15fd14eaa32dae5dce94485484  -      src/unix/core.c"
  "fmt      debsrc  fmtlib                         9.1.0+ds1-2     84ce1c2d0be3a9863935137969dcec6970125caac032f82474640bfc81463583  -      src/format.cc"
  "rack     deb     ruby-rack:usr/share/rubygems-integration/all/gems/rack-2.2.22 2.2.22-0+deb12u2 7ba26a66f6981b48ac604c9b829de51bdfc5d5ec8f329cf823b0aab72f718354 - lib/rack.rb"
  "monolog  debsrc  php-monolog                    2.9.1-1         55d7d62eee001d4e68fe0d53841ede53bd583f4e0e3a172877d9a939f4b3c79e  -      src/Monolog/Logger.php"
  "penlight deb     lua-penlight:usr/share/lua/5.1 1.13.1-3        69918434ee650d06aa470d49ba05a1a16ae43e66b8216e135cc5075f7d5d9ff3  -      pl/stringx.lua"
  "newtonsoft debsrc newtonsoft-json               6.0.8+dfsg-1.1  3b7c77da971bbe1c6fdbb5cbb634d106a86aa30c82647abd9b23d2f31be0c630  Src/Newtonsoft.Json.Tests,Src/Newtonsoft.Json.TestConsole,Src/packages,Doc,Build Src/Newtonsoft.Json/JsonConvert.cs"
  "coroutines debsrc kotlinx-coroutines             1.0.1-2         361a1e02f2d223c0d8ee16f5cd3987202264f037a4eff5de0e29334c38d16782  benchmarks,binary-compatibility-validator,integration,js,knit,native,reactive,ui,site,docs,license,gradle common/kotlinx-coroutines-core-common/src/Job.kt"
  "capacitor npm   @capacitor/ios                 7.4.4           5b5d27032d1fc6117a49c7b8224669a0deba9f35149ed12f75ebb9b54a28b00b  -      Capacitor/Capacitor/CapacitorBridge.swift"
  "scala    debsrc  scala:src/library/scala/collection 2.11.12-5   b8db9faffd136d376a1885c04b2cced1b25fee5e61295c1c2a66bceaf99e7301  -      immutable/List.scala"
  "mix      debsrc  elixir-lang:lib/mix/lib        1.14.0.dfsg-2   3dfa724f36b90d1bc41b9626a8ea0c293255c3a21a4d608c576ce39e2a23e5c9  -      mix/cli.ex"
  "megaparsec debsrc haskell-megaparsec            9.2.2-1         a48b03e55c0b9efcc88ce4236186fb6eee3acb64336987dd9c98daf4d96aa234  -      Text/Megaparsec.hs"
  "core-async debsrc core-async-clojure            1.5.648-1       4ba28e871c01f7809cc6f843d5e6ce60462fcbf534b1cd047393e1f0c4bf0846  -      src/main/clojure/clojure/core/async.clj"
  "ocaml-re debsrc  ocaml-re                       1.10.4-1        83eb3e4300aa9b1dc7820749010f4362ea83524742130524d78c20ce99ca747c  -      lib/core.ml"
  "company  deb     elpa-company:usr/share/emacs/site-lisp/elpa-src/company-0.9.13 0.9.13-2 a24e3af70f2d690146ccf560049e1ad5b7892ac121c7811c807c4558ef1712ab - company.el"
  "cl-ppcre deb     cl-ppcre:usr/share/common-lisp/source/cl-ppcre 20220126.gitb4056c5-1 65921437d89216135ebe0bf2380260b6eb5d19840eeb63cb240bd11610995264 - api.lisp"
  "otp-stdlib deb   erlang-src:usr/lib/erlang/lib/stdlib-4.2/src 1:25.2.3+dfsg-1+deb12u4 52fc8fbd533e0d094514ba54ff7b7a3244b2cf02a4905cf36dfeccb346d3479b - gen_server.erl"
  "nim-pure debsrc  nim:lib/pure                   1.6.10-2        1e237bb4faad68ace02f628bd7b5a6a861e58a1f2fd7029a6e5afdef0c589dd1  -      collections/tables.nim"
  "bash-completion debsrc bash-completion         1:2.11-6        16adefabf43ec8ffb473704f5724d775c2f47e9f750d7d608f0251ec21fe8813  test,doc bash_completion"
  "httr     debsrc  r-cran-httr                    1.4.5+dfsg-1    019bb8b408aed23ea6a174812be70a25ed8de574eec9c022e65ab5476af1b678  -      R/cache.R"
  "lwp      debsrc  libwww-perl                    6.68-1          42784a5869855ee08522dfb1d30fccf98ca4ddefa8c6c1bcb0d68a0adceb7f01  -      lib/LWP/UserAgent.pm"
  "element  npm     element-ui                     2.15.14         60e6c12cb64680c01fe12951e18980c29f550e424a7ccf7544857d48a1169b23  lib    packages/autocomplete/src/autocomplete.vue"
  "openzeppelin npm @openzeppelin/contracts        4.9.6           32b6b5c684c48ad0260baeffe61105b74f390115dbdc0d8853c6ceca8a8610bb  build  token/ERC20/ERC20.sol"
)

die() { echo "fetch-corpora: error: $*" >&2; exit 1; }
trap 'echo "fetch-corpora: error: command failed (line $LINENO): $BASH_COMMAND" >&2' ERR

[ $# -eq 1 ] || { echo "usage: $0 DEST" >&2; exit 2; }
mkdir -p "$1" || die "cannot create $1"
DEST=$(cd "$1" && pwd)

for tool in tar sha256sum find; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found on PATH"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/fetch-corpora.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# Each fetch_* writes the published artifact (a tarball) to $3.
fetch_crate() {
  local pkg=$1 ver=$2 out=$3 proj="$WORK/cargo-$1"
  command -v cargo >/dev/null 2>&1 || die "cargo not found on PATH"
  mkdir -p "$proj/src"
  printf '[package]\nname = "bench-fetch"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n[workspace]\n\n[dependencies]\n%s = { version = "=%s", default-features = false }\n' \
    "$pkg" "$ver" >"$proj/Cargo.toml"
  echo 'fn main() {}' >"$proj/src/main.rs"
  cargo fetch --quiet --manifest-path "$proj/Cargo.toml" || die "cargo fetch of $pkg =$ver failed"
  local home=${CARGO_HOME:-$HOME/.cargo} c
  for c in "$home"/registry/cache/*/"$pkg-$ver.crate"; do
    [ -f "$c" ] && { cp "$c" "$out"; return; }
  done
  die "cargo fetched $pkg $ver but $pkg-$ver.crate is not under $home/registry/cache"
}

fetch_pypi() {
  local pkg=$1 ver=$2 out=$3 dl="$WORK/pip-$1" f
  command -v pip >/dev/null 2>&1 || die "pip not found on PATH"
  mkdir -p "$dl"
  pip download --quiet --no-deps --no-binary :all: "$pkg==$ver" -d "$dl" \
    || die "pip download of $pkg==$ver (sdist) failed"
  f=$(find "$dl" -maxdepth 1 -name '*.tar.gz' | head -n1)
  [ -n "$f" ] || die "pip download of $pkg==$ver produced no .tar.gz sdist"
  cp "$f" "$out"
}

fetch_npm() {
  local pkg=$1 ver=$2 out=$3 dl="$WORK/npm-$1" f
  command -v npm >/dev/null 2>&1 || die "npm not found on PATH"
  mkdir -p "$dl"
  (cd "$dl" && npm pack --silent "$pkg@$ver" >/dev/null) || die "npm pack $pkg@$ver failed"
  f=$(find "$dl" -maxdepth 1 -name '*.tgz' | head -n1)
  [ -n "$f" ] || die "npm pack $pkg@$ver produced no .tgz"
  cp "$f" "$out"
}

APT_OPTS=()
apt_setup() {
  [ ${#APT_OPTS[@]} -eq 0 ] || return 0
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found (Debian source packages need a Debian-based system)"
  local a="$WORK/apt" f n=0
  mkdir -p "$a/parts" "$a/lists/partial" "$a/cache/archives/partial"
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    sed -E 's/^Types:.*$/Types: deb deb-src/' "$f" >"$a/parts/$(basename "$f")"
    n=$((n + 1))
  done
  if [ -f /etc/apt/sources.list ]; then
    sed -nE '/^deb[[:space:]]/{p; s/^deb/deb-src/p}' /etc/apt/sources.list >"$a/parts/sources.list" || true
    [ -s "$a/parts/sources.list" ] && n=$((n + 1))
  fi
  [ "$n" -gt 0 ] || die "no Debian package sources configured in /etc/apt"
  APT_OPTS=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$a/parts"
            -o "Dir::State::Lists=$a/lists" -o "Dir::Cache=$a/cache" -o Debug::NoLocking=1)
  apt-get "${APT_OPTS[@]}" -qq update >/dev/null 2>"$WORK/apt-update.err" \
    || die "apt-get update of the Debian source lists failed: $(tail -n1 "$WORK/apt-update.err")"
}

fetch_debsrc() {
  local pkg=${1%%:*} ver=$2 out=$3 dl="$WORK/deb-${1%%:*}" f
  apt_setup
  mkdir -p "$dl"
  (cd "$dl" && apt-get "${APT_OPTS[@]}" -qq source --download-only --tar-only "$pkg=$ver" \
      >/dev/null 2>"$dl.err") || die "apt-get source $pkg=$ver failed: $(grep -v unsandboxed "$dl.err" | tail -n1)"
  f=$(find "$dl" -maxdepth 1 -name '*.orig.tar.*' | head -n1)
  [ -n "$f" ] || die "apt-get source $pkg=$ver produced no upstream tarball"
  cp "$f" "$out"
}

fetch_deb() {
  local pkg=${1%%:*} ver=$2 out=$3 dl="$WORK/deb-${1%%:*}" f
  command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb not found (binary Debian packages need a Debian-based system)"
  apt_setup
  mkdir -p "$dl"
  (cd "$dl" && apt-get "${APT_OPTS[@]}" -qq download "$pkg=$ver" >/dev/null 2>"$dl.err") \
    || die "apt-get download $pkg=$ver failed: $(grep -v unsandboxed "$dl.err" | tail -n1)"
  f=$(find "$dl" -maxdepth 1 -name '*.deb' | head -n1)
  [ -n "$f" ] || die "apt-get download $pkg=$ver produced no package"
  cp "$f" "$out"
}

# Unpacks the artifact into $4: a tarball's single top-level folder (or its `folder` when the
# package is written `name:folder`), or a .deb's `folder`.
unpack() {
  local kind=$1 pkg=$2 art=$3 into=$4 tops sub
  if [ "$kind" = deb ]; then
    sub=${pkg#*:}
    mkdir -p "$WORK/deb-root"
    dpkg-deb -x "$art" "$WORK/deb-root" || die "cannot unpack $pkg"
    [ -d "$WORK/deb-root/$sub" ] || die "$pkg: no folder $sub in the package"
    cp -rL "$WORK/deb-root/$sub/." "$into/"
    rm -rf "$WORK/deb-root"
    return
  fi
  tops=$(tar taf "$art" | awk -F/ '{print $1}' | sort -u | wc -l)
  [ "$tops" -eq 1 ] || die "$pkg: artifact does not have a single top-level folder"
  if [ "$pkg" = "${pkg#*:}" ]; then
    tar xaf "$art" --no-same-owner --strip-components=1 -C "$into" || die "cannot unpack $pkg"
    return
  fi
  sub=${pkg#*:}
  mkdir -p "$WORK/src-root"
  tar xaf "$art" --no-same-owner --strip-components=1 -C "$WORK/src-root" || die "cannot unpack $pkg"
  [ -d "$WORK/src-root/$sub" ] || die "$pkg: no folder $sub in the tarball"
  cp -r "$WORK/src-root/$sub/." "$into/"
  rm -rf "$WORK/src-root"
}

for row in "${CORPORA[@]}"; do
  read -r name kind pkg ver sha prune sentinel <<<"$row"
  target="$DEST/$name"
  stamp="$DEST/.$name.stamp"
  want="$kind $pkg $ver $sha $prune"
  if [ -d "$target" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$target/$sentinel" ]; then
    status="present"
  else
    rm -rf "$target" "$stamp" "$DEST/.$name.tmp"
    art="$WORK/$name.artifact"
    "fetch_$kind" "$pkg" "$ver" "$art"
    got=$(sha256sum "$art" | awk '{print $1}')
    [ "$got" = "$sha" ] || die "$pkg $ver: sha256 $got does not match the pinned $sha"
    mkdir -p "$DEST/.$name.tmp"
    unpack "$kind" "$pkg" "$art" "$DEST/.$name.tmp"
    chmod -R u+rwX,go+rX "$DEST/.$name.tmp"
    if [ "$prune" != "-" ]; then
      IFS=, read -r -a dirs <<<"$prune"
      for d in "${dirs[@]}"; do rm -rf "${DEST:?}/.$name.tmp/$d"; done
    fi
    [ -f "$DEST/.$name.tmp/$sentinel" ] || die "$pkg $ver: expected file $sentinel is missing after unpacking"
    mv "$DEST/.$name.tmp" "$target"
    echo "$want" >"$stamp"
    status="fetched"
  fi
  count=$(find "$target" -type f | wc -l)
  printf '%-9s %-7s %-30s %-16s %6d files  (%s)\n' "$name" "$kind" "$pkg" "$ver" "$count" "$status"
done
