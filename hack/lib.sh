#!/usr/bin/env bash
# Shared by hack/test and hack/demo. Sourced, not run.
# shellcheck disable=SC2034  # variables used by the scripts that source this file

VENV="$ROOT/.venv"
PR07="$VENV/pyroute2-0.7"
CACHE="$ROOT/.cache"
COLLECTIONS="$CACHE/collections"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$ROOT/tools/lab/containers.conf}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

PASSED=0
FAILED=0
SKIPPED=0
REPORT=()

banner() { printf '\n===== %s =====\n' "$*"; }

need_root() {
  if [ "$(id -u)" != 0 ]; then
    echo "This needs root (network namespaces, podman as root). Run it as root." >&2
    exit 2
  fi
}

ensure_system_packages() {
  local want=(podman debootstrap runc nftables iproute2 python3-venv git shellcheck openssh-client)
  local missing=()
  for pkg in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    banner "installing Debian packages: ${missing[*]}"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
      echo "apt-get install ${missing[*]} failed" >&2
      exit 2
    fi
  fi
}

# pip, minus the "Location ... is ignored" noise some machines' pip configuration prints
pip_quiet() {
  "$VENV/bin/pip" "$@" 2>&1 | grep -v "^WARNING: Location '.*' is ignored"
  return "${PIPESTATUS[0]}"
}

ensure_venv() {
  local stamp
  stamp="$VENV/.installed-$(sha256sum "$ROOT/tests/requirements-dev.txt" | cut -c1-16)"
  if [ ! -e "$stamp" ]; then
    banner "creating $VENV"
    python3 -m venv "$VENV" || { echo "python3 -m venv failed" >&2; exit 2; }
    pip_quiet install -q --upgrade pip >/dev/null
    pip_quiet install -q -r "$ROOT/tests/requirements-dev.txt" || { echo "pip install failed" >&2; exit 2; }
    pip_quiet install -q --target "$PR07" 'pyroute2==0.7.2' || { echo "pip install pyroute2 0.7.2 failed" >&2; exit 2; }
    touch "$stamp"
  fi
  export PATH="$VENV/bin:$PATH"
  # a collections root where multinic.routing is this checkout (installed collections stay visible)
  mkdir -p "$COLLECTIONS/ansible_collections/multinic"
  ln -sfn "$ROOT" "$COLLECTIONS/ansible_collections/multinic/routing"
  local site
  site=$("$VENV/bin/python" -c 'import ansible_collections, os; print(os.path.dirname(list(ansible_collections.__path__)[0]))' 2>/dev/null || true)
  export ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS${site:+:$site}"
}

# junit XML -> counts. A skipped test is NOT a pass: it is reported and counted as a failure.
record_junit() {
  local name=$1 rc=$2 xml="$RESULTS/$1.xml" counts
  if [ -f "$xml" ]; then
    counts=$("$VENV/bin/python" - "$xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == 'testsuite' else list(root)
t = sum(int(s.get('tests', 0)) for s in suites)
f = sum(int(s.get('failures', 0)) + int(s.get('errors', 0)) for s in suites)
s = sum(int(s.get('skipped', 0)) for s in suites)
print(t - f - s, f, s)
PY
)
  else
    counts="0 1 0"
  fi
  read -r p f s <<<"$counts"
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
  PASSED=$((PASSED + p)); FAILED=$((FAILED + f + s)); SKIPPED=$((SKIPPED + s))
  REPORT+=("$(printf '%-24s %5s passed %3s failed %3s skipped' "$name" "$p" "$f" "$s")")
}

record_step() {
  local name=$1 rc=$2
  if [ "$rc" = 0 ]; then PASSED=$((PASSED + 1)); REPORT+=("$(printf '%-24s ok' "$name")")
  else FAILED=$((FAILED + 1)); REPORT+=("$(printf '%-24s FAILED (exit %s)' "$name" "$rc")"); fi
}

# ansible-test needs the collection at .../ansible_collections/multinic/routing: copy the
# tracked files (and new, not ignored ones) there.
collection_copy() {
  local dest="$CACHE/sanity/ansible_collections/multinic/routing"
  rm -rf "$CACHE/sanity"; mkdir -p "$dest"
  (cd "$ROOT" && git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents -P {} "$dest/")
  (cd "$dest" && git init -q . && git add -A >/dev/null 2>&1)
  echo "$dest"
}

# ansible-test bootstraps pip in its sanity venvs with a get-pip.py fetched from a host these
# machines cannot reach; hack/get_pip_shim.py does the same from the standard library + PyPI.
install_get_pip_shim() {
  local version
  version=$("$VENV/bin/python" - <<'PY'
import re, ansible_test, os
src = open(os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')).read()
print(re.search(r"pip='([0-9.]+)'", src).group(1).replace('.', '_'))
PY
)
  mkdir -p "$HOME/.ansible/test/cache"
  cp "$ROOT/hack/get_pip_shim.py" "$HOME/.ansible/test/cache/get_pip_${version}.py"
}

run_sanity() {
  local dest
  install_get_pip_shim || return 1
  dest=$(collection_copy)
  (cd "$dest" && ansible-test sanity --local --python "$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" --requirements --color no)
}

run_lint() {
  (cd "$ROOT" && ansible-lint --profile production --nocolor && antsibull-changelog lint)
}

# Every scenario in its own lab (own prefix and subnets), MOLECULE_JOBS of them at once
# (default 4); each one's output goes to .cache/results/molecule-<scenario>.log and is shown
# when it ends.
run_molecule() {
  local scenario jobs=${MOLECULE_JOBS:-4} pids=() names=() i rc
  lab_image || { record_step lab-image 1; return; }
  for scenario in "$ROOT"/extensions/molecule/*/; do
    scenario=$(basename "$scenario")
    [ -f "$ROOT/extensions/molecule/$scenario/molecule.yml" ] || continue
    [ "$scenario" = default ] && continue
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    banner "molecule test -s $scenario (log: $RESULTS/molecule-$scenario.log)"
    ( start=$SECONDS; cd "$ROOT/extensions" && molecule test -s "$scenario"; rc=$?
      echo $((SECONDS - start)) >"$RESULTS/molecule-$scenario.seconds"; exit $rc
    ) >"$RESULTS/molecule-$scenario.log" 2>&1 &
    pids+=($!); names+=("$scenario")
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}"; rc=$?
    banner "molecule test -s ${names[$i]}: exit $rc"
    if [ "$rc" = 0 ]; then tail -n 40 "$RESULTS/molecule-${names[$i]}.log"; else
      tail -n 400 "$RESULTS/molecule-${names[$i]}.log"
      # The failed tasks themselves, repeated next to the summary (the log's tail may not hold them).
      { echo "--- molecule:${names[$i]}: failed tasks ---"
        grep -n -B3 -A30 -E '(fatal|failed): \[' "$RESULTS/molecule-${names[$i]}.log" | tail -n 120
      } >>"$RESULTS/failures.txt"
    fi
    record_step "molecule:${names[$i]} ($(cat "$RESULTS/molecule-${names[$i]}.seconds" 2>/dev/null || echo '?')s)" "$rc"
  done
}

# Every lab worker runs systemd, and each holds about ten inotify instances (systemd, journald,
# the network manager...) against root's limit, one for the whole machine: 128 by default. The
# molecule scenarios' labs and the rollback trials' labs up at once need about 200; past the
# limit, systemd path units fail on the worker that starts next ("systemd is degraded").
ensure_host_limits() {
  local limit=/proc/sys/fs/inotify/max_user_instances
  if [ -w "$limit" ] && [ "$(cat "$limit")" -lt 1024 ]; then
    echo "fs.inotify.max_user_instances: $(cat "$limit") -> 1024 (the lab workers run systemd)"
    echo 1024 >"$limit"
  fi
}

# The lab image, built once however many background stages need it (they start together).
lab_image() {
  flock "$RESULTS/.lab-image.lock" "$ROOT/tools/lab/build-image.sh"
}

# The commit-confirmed rollback's kill trials (tests/lab/rollback_trials.py): 21 trials on three
# labs side by side, one per strategy (prefixes mrt1..mrt3, 10.233.x to 10.235.x; a trial waits
# out its window most of the time, so three labs take the time of one), then the confirm checks.
run_rollback_trials() {
  local start=$SECONDS rc
  lab_image || { record_step lab-image 1; return; }
  PYTHONUNBUFFERED=1 "$VENV/bin/python" "$ROOT/tests/lab/rollback_trials.py" --prefix mrt --base 10.233 \
    --labs "${ROLLBACK_LABS:-3}" --trials "${ROLLBACK_TRIALS:-21}" --timeout "${ROLLBACK_TIMEOUT:-45}" \
    2>&1 | tee "$RESULTS/rollback-trials.log"
  rc=${PIPESTATUS[0]}
  # the failures whole (each with what differed), next to the summary
  if [ "$rc" != 0 ]; then
    { echo "--- rollback trials: failures ---"
      sed -n '/^[0-9]* failures in /,$p' "$RESULTS/rollback-trials.log"; } >>"$RESULTS/failures.txt"
  fi
  record_step "rollback-trials ($((SECONDS - start))s)" "$rc"
}

# A stage function run in a subshell in the background; its report lines (record_step) come
# back through files that collect_background reads. BACKGROUND holds "name:pid" words.
BACKGROUND=()
# shellcheck disable=SC2030,SC2031  # the subshell's counters are its own on purpose
run_background() { # name, function
  local name=$1 fn=$2
  ( REPORT=(); PASSED=0; FAILED=0
    "$fn" >"$RESULTS/$name.log" 2>&1
    printf '%s\n' "${REPORT[@]}" >"$RESULTS/$name.report"
    echo "$PASSED $FAILED" >"$RESULTS/$name.counts" ) &
  BACKGROUND+=("$name:$!")
}
# shellcheck disable=SC2031  # the counters read here are this shell's, not the subshell's
collect_background() {
  local entry name p f line
  for entry in "${BACKGROUND[@]}"; do
    name=${entry%%:*}
    wait "${entry##*:}"
    banner "$name"
    cat "$RESULTS/$name.log"
    if [ -f "$RESULTS/$name.counts" ]; then
      read -r p f <"$RESULTS/$name.counts"
      PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
      while IFS= read -r line; do [ -n "$line" ] && REPORT+=("$line"); done <"$RESULTS/$name.report"
    else
      record_step "$name" 1
    fi
  done
}
summary() {
  if [ -s "$RESULTS/failures.txt" ]; then banner "failures"; cat "$RESULTS/failures.txt"; fi
  banner summary
  printf '%s\n' "${REPORT[@]}"
  [ "$SKIPPED" = 0 ] || echo "($SKIPPED skipped tests are counted as failures)"
  echo "total: $PASSED passed, $FAILED failed"
  [ "$FAILED" = 0 ]
}
