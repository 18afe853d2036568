#!/bin/bash
# ci-packages.sh - CI for the Debian packages, as root on a Debian 12 machine:
#   1. install the packaging tools and the build dependencies (apt-get);
#   2. build the packages in a scratch copy and index a flat apt repository
#      (tools/make-apt-repo), leaving the checkout untouched;
#   3. install rondo-tools rondod rondo-demo-vmm librondo-dev with apt-get from
#      that repository, exactly as from an archive;
#   4. run the package tests (debian/tests/run-installed);
#   5. purge the packages and check that nothing of theirs is left but what
#      policy keeps (the rondo system user and group).
# Idempotent: a previous run's packages are purged first, the work directory
# is rebuilt. Environment:
#   RONDO_CI_DIR   work directory (default /var/tmp/rondo-ci; the repository
#                  is $RONDO_CI_DIR/repo)
#   RONDO_CI_CHECK=1  run the upstream test suite during the package build too
#                  (off by default: .ci/run already runs it three times, and
#                  the package build should fit in CI's time budget)
#   RONDO_CI_KEEP=1   keep the apt source and the installed packages at the end
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
ci_dir=${RONDO_CI_DIR:-/var/tmp/rondo-ci}
repo=$ci_dir/repo
list=/etc/apt/sources.list.d/rondo-local.list
all_pkgs="librondo1 librondo-export0 librondo-dev rondo-tools rondod rondo-fc-agent rondo-demo-vmm"
install_pkgs="rondo-tools rondod rondo-fc-agent rondo-demo-vmm librondo-dev"
# Packages renamed since (librondo0: librondo.so.0 became librondo.so.1):
# purged with a previous run's packages, never installed again.
old_pkgs="librondo0"
export DEBIAN_FRONTEND=noninteractive

step() { printf '\n=== packages: %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }
die() { echo "ci-packages: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (it installs packages)"

installed_rondo_pkgs() {
  # shellcheck disable=SC2086
  dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' $all_pkgs $old_pkgs 2>/dev/null |
    awk '$1 != "un" && NF == 2 { print $2 }'
}

step "clean up a previous run"
rm -f "$list"
leftover=$(installed_rondo_pkgs || true)
# shellcheck disable=SC2086
[ -z "$leftover" ] || apt-get purge -y -q $leftover

step "packaging tools and build dependencies"
apt-get update -q
apt-get install -y -q --no-install-recommends \
  build-essential debhelper devscripts dpkg-dev equivs fakeroot apt-utils lintian \
  curl man-db pkg-config
apt-get build-dep -y -q "$top/"

step "build the packages and the apt repository"
mkdir -p "$ci_dir"
chmod 755 "$ci_dir" # apt's _apt user reads file: repositories
if [ "${RONDO_CI_CHECK:-0}" != 1 ]; then
  export DEB_BUILD_OPTIONS="nocheck ${DEB_BUILD_OPTIONS:-}"
fi
bash "$top/tools/make-apt-repo" --work "$ci_dir" --out "$repo"
chmod -R a+rX "$repo"

step "lintian"
lintian -EvIL +pedantic --fail-on error,warning "$ci_dir"/rondo_*_"$(dpkg --print-architecture)".changes

version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)

# Files on the system before the packages come; compared after the purge.
snapshot() {
  find /etc /usr /lib /var/lib /opt /srv \
    \( -path /var/lib/apt -o -path /var/lib/dpkg -o -path /var/lib/ucf \
    -o -path /var/lib/systemd/deb-systemd-helper-masked \
    -o -path /var/lib/man-db -o -path /etc/ld.so.cache \) -prune -o -print 2>/dev/null |
    sort
}
snapshot >"$ci_dir/before.txt"

step "install from the local repository with apt-get"
echo "deb [trusted=yes] file:$repo ./" >"$list"
apt-get update -q -o Dir::Etc::sourcelist="$list" -o Dir::Etc::sourceparts=- \
  -o APT::Get::List-Cleanup=0
# rondo-demo-vmm is only built from a tree that has the VMM (debian/rules).
tests=(tools daemon library fc-agent demo-vmm)
if ! grep -q '^Package: rondo-demo-vmm$' "$repo/Packages"; then
  echo "WARNING: rondo-demo-vmm was not built (no vmm/ in this tree): not installed, not tested" >&2
  install_pkgs=${install_pkgs/rondo-demo-vmm/}
  all_pkgs=${all_pkgs/rondo-demo-vmm/}
  tests=(tools daemon library fc-agent)
fi
# shellcheck disable=SC2086
apt-get install -y -q $install_pkgs
for p in $all_pkgs; do
  v=$(dpkg-query -W -f='${Version}' "$p")
  [ "$v" = "$version" ] || die "$p is $v, expected the freshly built $version"
done
origin=$(apt-cache policy rondod | awk '/\*\*\*/ { getline; print; exit }')
case $origin in
  *"$repo"*) echo "rondod was installed from $origin" ;;
  *) die "rondod did not come from the local repository: $origin" ;;
esac
getent passwd rondo >/dev/null || die "installing rondod did not create the rondo user"

if [ -d /run/systemd/system ]; then
  step "rondod under systemd"
  systemctl is-enabled rondod.service
  for _ in $(seq 50); do
    systemctl is-active --quiet rondod.service && break
    sleep 0.2
  done
  systemctl is-active rondod.service || { journalctl -u rondod --no-pager | tail -n 30; exit 1; }
  curl -fsS --retry 10 --retry-connrefused --retry-delay 1 http://127.0.0.1:9464/healthz
  echo
else
  echo "(no systemd as PID 1 here: the service itself is not started; the tests start rondod directly)"
fi

step "package tests (debian/tests)"
bash "$top/debian/tests/run-installed" "${tests[@]}"

if [ "${RONDO_CI_KEEP:-0}" = 1 ]; then
  step "done (RONDO_CI_KEEP=1: packages and $list kept)"
  exit 0
fi

step "purge"
# shellcheck disable=SC2086
apt-get purge -y -q $all_pkgs
rm -f "$list"
left=$(installed_rondo_pkgs || true)
[ -z "$left" ] || die "still known to dpkg after purge: $left"

snapshot >"$ci_dir/after.txt"
# New paths that no installed package owns: what the purge left behind.
comm -13 "$ci_dir/before.txt" "$ci_dir/after.txt" >"$ci_dir/new.txt"
: >"$ci_dir/leftover.txt"
while IFS= read -r path; do
  case $path in
    # Backups of the account databases, written when the rondo user was added.
    /etc/passwd- | /etc/group- | /etc/shadow- | /etc/gshadow- | /etc/.pwd.lock) continue ;;
  esac
  dpkg-query -S "$path" >/dev/null 2>&1 && continue # a dependency pulled in
  echo "$path" >>"$ci_dir/leftover.txt"
done <"$ci_dir/new.txt"
if [ -s "$ci_dir/leftover.txt" ]; then
  echo "left behind after purge:" >&2
  cat "$ci_dir/leftover.txt" >&2
  exit 1
fi
for path in /etc/rondo /var/lib/rondo /usr/share/rondo /usr/lib/sysusers.d/rondo.conf \
  /lib/systemd/system/rondod.service /etc/systemd/system/multi-user.target.wants/rondod.service; do
  [ ! -e "$path" ] || die "$path still exists after purge"
done
if getent passwd rondo >/dev/null; then
  echo "kept by policy: the rondo system user and group"
fi

step "done: built, linted, installed with apt, tested and purged"
