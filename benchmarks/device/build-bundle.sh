#!/usr/bin/env bash
# Builds benchmarks/device/bundle/reason-device.tar.xz: everything `reason` needs on a Linux x86-64 machine that
# has no Java, no Maven and no network (the rented GPU machine): a jlink'd JRE, the shaded jar with only the
# linux-x86_64 native libraries, the shipped model, and bin/reason, a launcher that runs the bundled JRE; and the
# compiled tests with JUnit's console launcher (bin/junit), so that the GPU tests run there too.
#
#   bash benchmarks/device/build-bundle.sh [--no-model] [--no-test]
#
#   --no-model   leave models/reason-mini out (about 12 MiB smaller; bin/reason then needs --model or
#                REASON_MODEL, which run.sh passes from the repository's own copy)
#   --no-test    skip the self-test (unpack into a fresh folder, HOME empty, no network, answer a question)
#
# Environment: JDK_HOME (default /usr/lib/jvm/java-17-openjdk-amd64), JLINK_COMPRESS (default 0, see below),
# XZ_PRESET (default 9e), BUNDLE_LIMIT_MIB (default 60: the build fails above it), BUNDLE_DROP (an extended
# regular expression: jar entries to leave out as well; default: PDFBox and JCuda's NVRTC and PTX-compiler
# bindings, see step 2; BUNDLE_DROP= keeps everything).
#
# The device tool sends the working tree and the carried bundle together, at most 64 MiB: the script prints
# that sum for this checkout at the end. With the shipped model in the tree (16 MiB) the bundle for the GPU
# machine is built with --no-model.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out_dir="$here/bundle"
tarball="$out_dir/reason-device.tar.xz"
jdk="${JDK_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}"
limit_mib="${BUNDLE_LIMIT_MIB:-60}"
with_model=1
self_test=1
keep_stage=0
for arg in "$@"; do
  case "$arg" in
    --no-model) with_model=0 ;;
    --no-test) self_test=0 ;;
    --keep-stage) keep_stage=1 ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-bundle: unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf 'build-bundle: %s\n' "$*"; }
die() { printf 'build-bundle: error: %s\n' "$*" >&2; exit 1; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
# stored_jar DIR JAR: DIR's contents as an uncompressed ("stored") JAR, names sorted, the manifest first. xz then
# compresses the whole bundle far better than it compresses deflated entries (measured: 19 MiB instead of 31 MiB
# for reason.jar).
stored_jar() {
  (cd "$1" && { [ ! -f META-INF/MANIFEST.MF ] || zip -q -X -0 "$2" META-INF/MANIFEST.MF; } \
    && find . -mindepth 1 ! -path ./META-INF/MANIFEST.MF \( -type d -printf '%P/\n' -o -printf '%P\n' \) \
       | LC_ALL=C sort | zip -q -X -0 "$2" -@)
}

[ "$(uname -m)" = x86_64 ] || die "this machine is $(uname -m): build the bundle on x86-64 (the GPU machine is x86-64)"
for tool in jlink jdeps java; do
  [ -x "$jdk/bin/$tool" ] || die "$jdk/bin/$tool not found: set JDK_HOME to a JDK 17"
done
jdk_version="$("$jdk/bin/java" -version 2>&1 | head -1)"
case "$jdk_version" in *'"17.'*) ;; *) die "JDK_HOME=$jdk is not a JDK 17 ($jdk_version)" ;; esac
for tool in unzip zip xz tar ldd strip; do
  command -v "$tool" >/dev/null || die "$tool is needed"
done

# 1. The shaded jar and the compiled tests, rebuilt when missing or older than the sources; from scratch (mvn clean)
# when target/classes holds a resource that src/main/resources no longer has, which a plain package would keep
# in the jar (the fatbin before it was gzip'd: 3 MB).
jar="$repo/target/reason.jar"
stale="$(cd "$repo" && [ -d target/classes ] && comm -23 \
  <(cd target/classes && find . -type f ! -name '*.class' | LC_ALL=C sort) \
  <(cd src/main/resources && find . -type f | LC_ALL=C sort) | head -3 | paste -sd' ' -)" || true
if [ -n "$stale" ]; then
  say "target/classes holds resources the sources no longer have ($stale): mvn clean package -DskipTests"
  (cd "$repo" && mvn -B -q -Dstyle.color=never clean package -DskipTests) || die "mvn clean package failed"
elif [ ! -f "$jar" ] || [ -n "$(find "$repo/src/main" "$repo/src/test" "$repo/pom.xml" -newer "$jar" -print -quit)" ]; then
  say "building target/reason.jar and target/test-classes (mvn -B -q package -DskipTests)"
  (cd "$repo" && mvn -B -q -Dstyle.color=never package -DskipTests) || die "mvn package failed"
fi
say "jar: target/reason.jar, $(mib "$(stat -c %s "$jar")")"

# Scratch space outside the bundle folder (which travels whole as the device tool's carry).
work="$repo/target/device-bundle"
stage="$work/reason-device"
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/lib" "$work" "$out_dir"

# 2. The jar without other platforms' native libraries. ONNX Runtime (ai/onnxruntime/native/<os-arch>/), DJL's
# tokenizers (native/lib/<os-arch>/cpu/), JNA (com/sun/jna/<os-arch>/) and JCuda (lib/lib*-<os>-<arch>.so) each
# name the platform in the path; a native file is kept only when that platform is linux on x86-64. macOS debug
# symbols (*.dSYM/) go too. Directory entries left with nothing below them are removed with their contents.
# BUNDLE_DROP removes more by default, because the bundle and the working tree must fit in 64 MiB together:
# - PDFBox (with FontBox and commons-logging, 9 MB): only XChart's PdfboxGraphicsEncoder uses it, and the charts
#   are PNG and SVG; a check below fails the build if any other class refers to what was dropped;
# - JCuda 12.6's NVRTC binding, which needs libnvrtc.so.12 (a CUDA 13 machine has none), and its PTX compiler
#   (24 MB), which does what the driver does when it loads PTX (cuModuleLoadData).
default_drop='^(org/apache/pdfbox|org/apache/fontbox|de/rototor/pdfbox|org/apache/commons/logging)/'
default_drop+='|^META-INF/maven/(org[.]apache[.]pdfbox|de[.]rototor[.]pdfbox|commons-logging)/'
default_drop+='|(^|/)libJNvrtc-[^/]*[.]so$|(^|/)libJNvPTXCompiler-[^/]*[.]so$'
drop="${BUNDLE_DROP-$default_drop}"
unzip -Z1 "$jar" > "$work/entries.txt"
awk -v drop="$drop" '
  /\/$/ { dirs[++nd] = $0; next }
  {
    native = ($0 ~ /\.(so(\.[0-9]+)*|dll|dylib|jnilib|a|pdb)$/) || ($0 ~ /\.dSYM\//)
    linux64 = ($0 !~ /\.dSYM\//) && ($0 ~ /(^|[\/_-])linux[-_](x64|x86[-_]64|amd64)([\/_.-]|$)/)
    if ((native && !linux64) || (drop != "" && $0 ~ drop)) { print; next }
    # every folder above a kept file stays
    n = split($0, part, "/"); p = ""
    for (i = 1; i < n; i++) { p = p part[i] "/"; keep[p] = 1 }
  }
  END { for (i = 1; i <= nd; i++) if (!(dirs[i] in keep)) print dirs[i] }
' "$work/entries.txt" > "$work/removed.txt"
# Re-packed stored (stored_jar) without those entries.
rm -rf "$work/jar" && mkdir -p "$work/jar"
(cd "$work/jar" && unzip -q "$jar")
while IFS= read -r entry; do
  rm -rf "$work/jar/${entry%/}"
done < "$work/removed.txt"
# No class that stays may refer to a dropped package (an allowed exception: XChart's PDF encoder, never called).
dropped_pkgs="$({ grep '[.]class$' "$work/removed.txt" || true; } | sed 's|/[^/]*$||' | LC_ALL=C sort -u | paste -sd'|' -)"
if [ -n "$dropped_pkgs" ]; then
  users="$(cd "$work/jar" && grep -rlE "($dropped_pkgs)/[A-Za-z0-9_\$]+" --include='*.class' . \
    | grep -v -x './org/knowm/xchart/PdfboxGraphicsEncoder.class' || true)"
  [ -z "$users" ] || die "classes that stay refer to dropped packages (set BUNDLE_DROP): $(echo "$users" | head -5 | paste -sd' ' -)"
fi
# Symbol tables are not needed to run (JNI looks up exported, dynamic symbols): libtokenizers.so loses 3.7 MB.
find "$work/jar" -type f \( -name '*.so' -o -name '*.so.[0-9]*' \) -exec strip --strip-unneeded {} +
stored_jar "$work/jar" "$stage/lib/reason.jar"
say "jar: removed $(grep -v '/$' "$work/removed.txt" | grep -cE '[.](so(\.[0-9]+)*|dll|dylib|jnilib|a|pdb)$') native files and $(grep -c '[.]class$' "$work/removed.txt" || true) classes (other platforms${drop:+, BUNDLE_DROP}); native files kept:"
unzip -Z1 "$stage/lib/reason.jar" | grep -E '\.(so(\.[0-9]+)*|dll|dylib|jnilib|a|pdb)$|\.dSYM/' > "$work/natives.txt" || true
sed 's/^/    /' "$work/natives.txt"
! grep -v -E '(^|[/_-])linux[-_](x64|x86[-_]64|amd64)([/_.-]|$)' "$work/natives.txt" >/dev/null \
  || die "other platforms' native files are still in the jar"
grep -q -x 'native/lib/linux-x86_64/cpu/libtokenizers.so' "$work/natives.txt" \
  || die "the jar has no linux-x86_64 libtokenizers.so: DJL would try to download it"
rm -rf "$work/jar"

# 2b. The tests, for the GPU tests (step tests of run.sh): the compiled test classes and the jars only the tests
# use (JUnit with its console launcher; every other dependency is inside reason.jar), re-packed stored like
# reason.jar. Fixtures stay out: the tests read models/ and src/test/resources/ from the working tree, which
# travels anyway. ArchUnit stays out too: ArchitectureTest needs no GPU, and its jars would cost the call 5 MB.
[ -d "$repo/target/test-classes/dev/reason/engine/cuda" ] || die "target/test-classes has no compiled tests (mvn test-compile)"
mkdir -p "$stage/test/classes" "$stage/test/lib"
(cd "$repo/target/test-classes" && find . -name '*.class' | LC_ALL=C sort | tar -cf - -T -) | tar -C "$stage/test/classes" -xf -
rm -rf "$work/testlib"
(cd "$repo" && mvn -B -q -Dstyle.color=never dependency:copy-dependencies -DexcludeScope=runtime \
  -DexcludeArtifactIds=junit-jupiter,archunit-junit5,archunit-junit5-api,archunit-junit5-engine,archunit-junit5-engine-api,archunit \
  -DoutputDirectory="$work/testlib") \
  || die "mvn dependency:copy-dependencies failed"
ls "$work/testlib"/junit-platform-console-*.jar >/dev/null 2>&1 || die "no junit-platform-console jar among the test jars"
for j in "$work/testlib"/*.jar; do
  rm -rf "$work/unjar" && mkdir -p "$work/unjar"
  (cd "$work/unjar" && unzip -q "$j")
  stored_jar "$work/unjar" "$stage/test/lib/$(basename "$j")"
done
rm -rf "$work/unjar"
say "tests: $(find "$stage/test/classes" -name '*.class' | wc -l) classes; $(cd "$stage/test/lib" && ls | paste -sd' ' -)"

# 3. The JRE. Modules from jdeps (of the tests' jars too), less three that only javassist.util.HotSwapper (jinjava's javassist, never
# called) refers to: jdk.attach, jdk.jdi, java.instrument. java.desktop stays: the benchmark charts are drawn
# with AWT (headless). JLINK_COMPRESS defaults to 0: the tarball is xz-compressed as a whole, and zip-compressed
# modules inside it make it bigger (measured: 28 MiB with --compress=2, 17 MiB with 0).
modules="$("$jdk/bin/jdeps" --ignore-missing-deps --multi-release 17 --print-module-deps "$stage/lib/reason.jar" \
  "$stage"/test/lib/*.jar 2>/dev/null | tail -1)"
[ -n "$modules" ] || die "jdeps printed no modules"
modules="$(printf '%s\n' "$modules" | tr ',' '\n' | grep -v -x -E 'jdk\.attach|jdk\.jdi|java\.instrument' | LC_ALL=C sort -u | paste -sd, -)"
say "modules: $modules"
jre_key="$jdk_version|$modules|${JLINK_COMPRESS:-0}"
if [ -d "$work/jre" ] && [ "$(cat "$work/jre.key" 2>/dev/null)" = "$jre_key" ]; then
  say "jre: reusing the jlink output for the same JDK and modules"
else
  rm -rf "$work/jre" "$work/jre.key"
  "$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
    --compress="${JLINK_COMPRESS:-0}" --output "$work/jre"
  printf '%s' "$jre_key" > "$work/jre.key"
fi
cp -a "$work/jre" "$stage/jre"
find "$stage/jre" -type f -name '*.so' -exec strip --strip-unneeded {} +

# 3b. Headless AWT still draws text: libfontmanager needs FreeType and HarfBuzz (Debian's JDK links the system
# copies), and the JRE needs a font. A bare image has neither, so the bundle carries the system libraries that
# libfontmanager links against (used only when the machine lacks one, see bin/reason) and DejaVu Sans with a
# fontconfig.properties that names it (used always, so every machine draws the same charts). liblcms and
# libjavajpeg (colour profiles, JPEG) are not needed for the PNG and SVG charts and get no copies.
core_libs='^(linux-vdso|ld-linux-x86-64|libc|libm|libdl|libpthread|librt|libutil|libresolv|libstdc\+\+|libgcc_s|libz)\.so'
mkdir -p "$stage/lib/sys" "$stage/legal"
needy=()
for so in "$stage/jre/lib/libfontmanager.so"; do
  [ -f "$so" ] || continue
  deps="$(LD_LIBRARY_PATH="$stage/jre/lib:$stage/jre/lib/server" ldd "$so" 2>/dev/null \
    | awk '$2 == "=>" && $3 ~ /^\// { print $1 " " $3 }' | grep -v -E "$core_libs" | grep -v "$stage/jre" || true)"
  [ -n "$deps" ] || continue
  needy+=("$(basename "$so")")
  while read -r soname path; do
    [ -e "$stage/lib/sys/$soname" ] && continue
    cp -L "$path" "$stage/lib/sys/$soname"
    pkg="$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -1 | cut -d: -f1 || true)"
    if [ -n "$pkg" ] && [ -f "/usr/share/doc/$pkg/copyright" ]; then
      cp "/usr/share/doc/$pkg/copyright" "$stage/legal/$pkg.copyright"
    fi
  done <<< "$deps"
done
say "system libraries for ${needy[*]:-nothing}: $(cd "$stage/lib/sys" && ls | paste -sd' ' -)"
font_dir=/usr/share/fonts/truetype/dejavu
if [ -f "$font_dir/DejaVuSans.ttf" ] && [ -f "$font_dir/DejaVuSans-Bold.ttf" ]; then
  mkdir -p "$stage/jre/lib/fonts"
  cp "$font_dir/DejaVuSans.ttf" "$font_dir/DejaVuSans-Bold.ttf" "$stage/jre/lib/fonts/"
  [ -f /usr/share/doc/fonts-dejavu-core/copyright ] && cp /usr/share/doc/fonts-dejavu-core/copyright "$stage/legal/fonts-dejavu-core.copyright"
  {
    echo "# Written by benchmarks/device/build-bundle.sh: every logical font is DejaVu Sans from lib/fonts."
    echo "version=1"
    echo "sequence.allfonts=latin-1"
    for family in serif sansserif monospaced dialog dialoginput; do
      echo "$family.plain.latin-1=DejaVu Sans"
      echo "$family.italic.latin-1=DejaVu Sans"
      echo "$family.bold.latin-1=DejaVu Sans Bold"
      echo "$family.bolditalic.latin-1=DejaVu Sans Bold"
    done
    echo "filename.DejaVu_Sans=\$JRE_LIB_FONTS/DejaVuSans.ttf"
    echo "filename.DejaVu_Sans_Bold=\$JRE_LIB_FONTS/DejaVuSans-Bold.ttf"
  } > "$stage/jre/lib/fontconfig.properties"
  say "fonts: DejaVu Sans (regular, bold) in jre/lib/fonts"
else
  say "warning: $font_dir/DejaVuSans.ttf not found (apt-get install fonts-dejavu-core): charts need system fonts"
fi

# 4. The model.
if [ "$with_model" = 1 ]; then
  mkdir -p "$stage/models"
  (cd "$repo" && git ls-files -z models/reason-mini | tar --null -T - -cf -) | tar -C "$stage" -xf -
  [ -f "$stage/models/reason-mini/model.onnx" ] || die "models/reason-mini/model.onnx is not in git"
  say "model: models/reason-mini, $(mib "$(du -sb "$stage/models" | cut -f1)")"
else
  say "model: left out (--no-model)"
fi

# 5. The launchers: bin/reason runs the CLI, bin/junit the tests; lib/env.sh, which both source, sets up what the
# bundled JRE needs on a bare machine.
needy_list="${needy[*]:-}"
cat > "$stage/lib/env.sh" <<EOF
# Sourced by bin/reason and bin/junit, which set \$here (the bundle) first. Exports what the bundled JRE needs and
# sets \$jre and \$fontconfig (empty without the bundle's fonts).
jre="\$here/jre"
# DJL's tokenizer binding extracts libtokenizers.so from the jar into a cache folder on first use (offline mode:
# it never downloads). Keep that cache inside the bundle, not in ~/.djl.ai, when the bundle is writable.
if [ -z "\${DJL_CACHE_DIR:-}" ]; then
  if [ -w "\$here" ]; then DJL_CACHE_DIR="\$here/cache/djl"; else DJL_CACHE_DIR="\${TMPDIR:-/tmp}/reason-djl-\$(id -u)"; fi
fi
DJL_OFFLINE=true
OPT_OUT_TRACKING=true
export DJL_CACHE_DIR DJL_OFFLINE OPT_OUT_TRACKING
# The JRE's headless AWT libraries link FreeType, HarfBuzz and friends; lib/sys has copies, used only when
# this machine lacks one of them.
if [ -d "\$here/lib/sys" ] && [ -n "$needy_list" ]; then
  missing=yes
  if command -v ldd >/dev/null 2>&1; then
    missing=no
    for lib in $needy_list; do
      if ! deps=\$(LD_LIBRARY_PATH="\$jre/lib:\$jre/lib/server" ldd "\$jre/lib/\$lib" 2>&1) \\
        || printf '%s\\n' "\$deps" | grep -v libjvm | grep -q 'not found'; then
        missing=yes
      fi
    done
  fi
  if [ "\$missing" = yes ]; then
    LD_LIBRARY_PATH="\${LD_LIBRARY_PATH:+\$LD_LIBRARY_PATH:}\$here/lib/sys"
    export LD_LIBRARY_PATH
  fi
fi
fontconfig=
if [ -f "\$jre/lib/fontconfig.properties" ]; then fontconfig="\$jre/lib/fontconfig.properties"; fi
EOF
cat > "$stage/bin/reason" <<'EOF'
#!/bin/sh
# reason from the self-contained bundle (benchmarks/device/build-bundle.sh): the bundled JRE runs lib/reason.jar.
# No JDK, Maven or network needed; the shipped model is models/reason-mini beside bin/ (when bundled).
set -e
here=$(cd "$(dirname "$0")/.." && pwd -P)
. "$here/lib/env.sh"
exec "$jre/bin/java" -Djava.awt.headless=true "-Dreason.home=$here" ${fontconfig:+"-Dsun.awt.fontconfig=$fontconfig"} \
  ${REASON_JAVA_OPTS:-} -jar "$here/lib/reason.jar" "$@"
EOF
cat > "$stage/bin/junit" <<'EOF'
#!/bin/sh
# The project's tests from the bundle: JUnit's console launcher ("execute") over test/classes, with reason.jar and
# test/lib. Run it from the repository root: the tests read models/ and src/test/resources/ from there. E.g.
#   bin/junit --select-class dev.reason.engine.cuda.CudaEngineTest --details tree --reports-dir DIR
# -Xss64m: the launcher runs the tests on the JVM's main thread, whose default 1 MB stack ONNX Runtime's native
# calls overflow (SIGSEGV, no message); the CLI runs its work on a 64 MB thread for the same reason.
set -e
here=$(cd "$(dirname "$0")/.." && pwd -P)
. "$here/lib/env.sh"
cp="$here/lib/reason.jar:$here/test/classes"
for j in "$here"/test/lib/*.jar; do cp="$cp:$j"; done
exec "$jre/bin/java" -Djava.awt.headless=true "-Dreason.home=$here" ${fontconfig:+"-Dsun.awt.fontconfig=$fontconfig"} \
  -Xss64m ${REASON_JAVA_OPTS:-} -cp "$cp" org.junit.platform.console.ConsoleLauncher execute --disable-banner \
  --disable-ansi-colors "$@"
EOF
chmod +x "$stage/bin/reason" "$stage/bin/junit"

# 6. What is inside, for whoever unpacks it.
glibc="$(find "$stage" -name '*.so*' -type f -print0 | xargs -0 objdump -T 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -V | tail -1)"
{
  echo "reason device bundle"
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) from $(cd "$repo" && git rev-parse --short HEAD)$(cd "$repo" && git diff --quiet HEAD -- src pom.xml || echo ' (with uncommitted changes)')"
  echo "jre: $jdk_version, modules $modules"
  echo "needs: Linux x86-64, glibc >= ${glibc#GLIBC_}"
  echo "model: $([ "$with_model" = 1 ] && echo models/reason-mini || echo 'none (pass --model)')"
  echo "run: bin/reason --help; tests: bin/junit --select-class dev.reason.engine.cuda.CudaEngineTest (from the repository root)"
} > "$stage/BUNDLE.txt"

# 7. The tarball: names sorted (model.onnx beside model.safetensors, so xz finds the shared weights), owners and
# times fixed.
mtime="$(cd "$repo" && git log -1 --format=%ct)"
rm -rf "$out_dir/work" "$tarball" "$tarball.part"
# xz's x86 filter (BCJ) first: most of the bytes are x86-64 machine code (libjvm, ONNX Runtime, tokenizers).
say "compressing (xz --x86 --lzma2=preset=${XZ_PRESET:-9e}, two or three minutes)..."
tar -C "$work" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" -cf - reason-device \
  | xz --x86 --lzma2="preset=${XZ_PRESET:-9e}" -T1 > "$tarball.part"
mv "$tarball.part" "$tarball"
size="$(stat -c %s "$tarball")"
say "parts (unpacked): jre $(mib "$(du -sb "$stage/jre" | cut -f1)"), jar $(mib "$(stat -c %s "$stage/lib/reason.jar")"), lib/sys $(mib "$(du -sb "$stage/lib/sys" | cut -f1)")$([ "$with_model" = 1 ] && echo ", model $(mib "$(du -sb "$stage/models" | cut -f1)")")"
say "wrote benchmarks/device/bundle/reason-device.tar.xz: $(mib "$size") ($size bytes)"
if [ "$size" -gt $((limit_mib * 1048576)) ]; then
  die "the bundle is over ${limit_mib} MiB"
fi
[ "$keep_stage" = 1 ] || rm -rf "$stage"
read -r tree carry < <(bash "$here/call-size.sh")  # what the device tool would send from this checkout
say "device call from this checkout: working tree $(mib "$tree") + carry $(mib "$carry") = $(mib $((tree + carry))) of 64 MiB"
if [ $((tree + carry)) -gt $((64 * 1048576)) ]; then
  say "warning: over the device tool's 64 MiB: the call would be refused$([ "$with_model" = 1 ] && echo '; build with --no-model (the tree has models/reason-mini)')"
fi

# 8. Self-test: a fresh folder, an empty HOME, no DJL cache anywhere we know of, and (where unshare works) no
# network. It must answer, and draw a chart (fonts, AWT).
if [ "$self_test" = 1 ]; then
  t="$(mktemp -d "${TMPDIR:-/tmp}/reason-bundle-test.XXXXXX")"
  mkdir -p "$t/home"
  tar -C "$t" -xJf "$tarball"
  model_args=()
  [ "$with_model" = 1 ] || model_args=(--model "$repo/models/reason-mini")
  isolate=()
  if unshare -rn true 2>/dev/null; then isolate=(unshare -rn); fi
  say "self-test in $t (HOME empty${isolate:+, no network}): bin/reason --device cpu --budget 4x \"What is 47 + 38 * 2 - 19?\""
  env -i PATH=/usr/bin:/bin HOME="$t/home" TMPDIR="$t" "${isolate[@]}" \
    "$t/reason-device/bin/reason" --device cpu --budget 4x "${model_args[@]}" "What is 47 + 38 * 2 - 19?" > "$t/answer.txt" 2>&1 \
    || { cat "$t/answer.txt"; die "self-test: bin/reason failed"; }
  sed 's/^/    /' "$t/answer.txt"
  ls "$t/reason-device/cache/djl/tokenizers/"*/libtokenizers.so >/dev/null 2>&1 \
    || die "self-test: DJL did not extract libtokenizers.so into the bundle's cache"
  env -i PATH=/usr/bin:/bin HOME="$t/home" TMPDIR="$t" "${isolate[@]}" \
    "$t/reason-device/bin/reason" throughput --device cpu --parallel 1 --prompt-len 16 --gen-len 8 --threads 1 \
    "${model_args[@]}" --out "$t/tp" > "$t/tp.txt" 2>&1 || { cat "$t/tp.txt"; die "self-test: reason throughput failed"; }
  [ -s "$t/tp/throughput.png" ] || { cat "$t/tp.txt"; die "self-test: no chart drawn"; }
  # The tests launcher, from the repository root: without a GPU the availability tests pass and the GPU tests skip.
  (cd "$repo" && env -i PATH=/usr/bin:/bin HOME="$t/home" TMPDIR="$t" "${isolate[@]}" "$t/reason-device/bin/junit" \
    --select-class dev.reason.engine.cuda.CudaAvailabilityTest --select-class dev.reason.engine.cuda.DeviceSamplerTest \
    --details summary) > "$t/junit.txt" 2>&1 || { cat "$t/junit.txt"; die "self-test: bin/junit failed"; }
  grep -qE '\[ +[1-9][0-9]* tests successful' "$t/junit.txt" || { cat "$t/junit.txt"; die "self-test: bin/junit ran no test"; }
  grep -E 'tests (successful|skipped|aborted|failed)' "$t/junit.txt" | sed 's/^/    /'
  [ -z "$(ls -A "$t/home")" ] || say "note: the run wrote into HOME: $(ls -A "$t/home" | paste -sd' ' -)"
  rm -rf "$t"
  say "self-test passed: answered offline from a fresh folder, drew a chart and ran tests"
fi
