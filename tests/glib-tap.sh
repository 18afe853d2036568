#!/bin/sh
# Runs one test program so that automake's TAP driver can read it:
# GLib test programs get --tap; anything else runs as it is.
case "$1" in
*.sh) exec "${SHELL:-/bin/sh}" "$@" ;;
*) exec "$@" --tap ;;
esac
