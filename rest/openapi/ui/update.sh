#!/usr/bin/env bash
# Re-vendors Swagger UI (swagger-ui-dist, Apache-2.0) for the docs page: the bundle and
# its stylesheet, gzipped (the handler serves them compressed, or inflates them for a
# client that does not accept gzip), with the licence files. Usage: ui/update.sh VERSION
set -euo pipefail
v=${1:?usage: update.sh VERSION}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "swagger-ui-dist@$v" --silent >/dev/null && tar xzf swagger-ui-dist-"$v".tgz)
p=$tmp/package
gzip -9nc "$p/swagger-ui-bundle.js" >"$here/swagger-ui-bundle.js.gz"
gzip -9nc "$p/swagger-ui.css" >"$here/swagger-ui.css.gz"
cp "$p/LICENSE" "$p/NOTICE" "$p/swagger-ui-bundle.js.LICENSE.txt" "$here/"
echo "$v" >"$here/VERSION"
