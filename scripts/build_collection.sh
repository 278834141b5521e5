#!/usr/bin/env bash
# Build the dcops Ansible collection tarball (dcops-dcops-<version>.tar.gz) from this
# repository: collection/ (galaxy.yml, meta/, README.md, requirements.txt) plus
# playbooks/plugins/{inventory,action}, playbooks/roles/* and playbooks/*.yml, copied into
# a staging tree - ansible-galaxy does not follow symlinks that leave the collection, and
# copying keeps playbooks/ the one place the content is edited.
#   scripts/build_collection.sh [OUTPUT_DIR]     # default: out/collection
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-out/collection}"
galaxy_version=$(sed -n 's/^version: *\([^ #]*\).*/\1/p' collection/galaxy.yml)
package_version=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
if [ "$galaxy_version" != "$package_version" ]; then
  echo "build_collection: collection/galaxy.yml version $galaxy_version differs from pyproject.toml's $package_version" >&2
  exit 2
fi
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/dcops"
mkdir -p "$root/plugins" "$root/roles" "$root/playbooks"
cp -R collection/. "$root/"
cp -R playbooks/plugins/inventory playbooks/plugins/action "$root/plugins/"
cp -R playbooks/roles/. "$root/roles/"
cp playbooks/*.yml "$root/playbooks/"
find "$root" \( -name __pycache__ -o -name '*.pyc' \) -prune -exec rm -rf {} +
mkdir -p "$out"
PATH="$PWD/.venv/bin:$PATH" ansible-galaxy collection build "$root" --output-path "$out" --force
