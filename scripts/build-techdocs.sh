#!/usr/bin/env bash
# Installs the TechDocs generator the portal runs in local mode and the sandbox
# (techdocs.generator.runIn: local; no Docker engine here): mkdocs with mkdocs-techdocs-core,
# from PyPI with uv, every package pinned with hashes by tools/techdocs/requirements.txt.
# Cached in $CACHE_DIR/techdocs/<hash of the requirements>/, installed once per pin set (under
# a minute cold, measured 43 s). Prints the folder holding `mkdocs` on stdout; logs go to stderr.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

UV_VERSION="0.13.9"
REQUIREMENTS="$ROOT/tools/techdocs/requirements.txt"
DIR="$CACHE_DIR/techdocs/$(sha256sum "$REQUIREMENTS" | cut -c1-12)"

command -v python3 >/dev/null || die "python3 (3.9 or later) is needed for the TechDocs generator"
if [ ! -x "$DIR/bin/mkdocs" ]; then
  log "installing the TechDocs generator: uv $UV_VERSION, then mkdocs-techdocs-core (PyPI; first run only)"
  # Built beside its final place and renamed, so a parallel run never sees half a venv. A venv's
  # interpreter finds its site-packages through pyvenv.cfg next to it, so `python -m` works
  # after the rename (its scripts' shebangs would not: bin/mkdocs below is written after).
  tmp="$DIR.$$"
  rm -rf "$tmp"
  mkdir -p "$(dirname "$DIR")"
  python3 -m venv "$tmp/venv" >&2
  "$tmp/venv/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION" >&2
  VIRTUAL_ENV="$tmp/venv" "$tmp/venv/bin/uv" pip install --quiet --require-hashes -r "$REQUIREMENTS" >&2
  rm -rf "$DIR"
  mv "$tmp" "$DIR"
fi
# mkdocs through the venv's interpreter. NO_MKDOCS_2_WARNING: mkdocs-material prints a page-long
# notice about MkDocs 2.0 on every build, which would fill the backend's log once per docs build.
mkdir -p "$DIR/bin"
printf '#!/bin/sh\nNO_MKDOCS_2_WARNING=true exec "%s" -m mkdocs "$@"\n' "$DIR/venv/bin/python" >"$DIR/bin/mkdocs.$$"
chmod +x "$DIR/bin/mkdocs.$$"
mv -f "$DIR/bin/mkdocs.$$" "$DIR/bin/mkdocs"
echo "$DIR/bin"
