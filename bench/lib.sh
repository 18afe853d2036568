# lib.sh - helpers the benchmark scripts share; sourced, never run.

# free_port: a TCP port on 127.0.0.1 that was free a moment ago.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_http URL: until URL answers 2xx, for at most 30 s; then fails.
wait_http() {
	i=0
	until curl -sf -o /dev/null "$1"; do
		i=$((i + 1))
		[ $i -lt 300 ] || { echo "$(basename "$0"): no answer from $1" >&2; return 1; }
		sleep 0.1
	done
}

# svg_tidy FILE: gnuplot ends some SVG lines with blanks; the repository has
# none (CI checks), so the plots are committed without them.
svg_tidy() {
	sed -i 's/[[:space:]]*$//' "$1"
}

# have_gnuplot: TRUE if gnuplot can draw the plot; else says SKIP and why.
have_gnuplot() {
	command -v gnuplot >/dev/null && return 0
	echo "SKIP plot: gnuplot is not installed (apt-get install gnuplot-nox)"
	return 1
}
