#!/bin/sh
# url.sh - rondo-query --url against a stand-in for rondod that answers
# like Prometheus' /api/v1/query_range (python3's http.server).
. "$top_srcdir/tests/tools/tap.sh"

if ! command -v python3 >/dev/null 2>&1; then
    echo "1..0 # SKIP no python3 for the stand-in server"
    exit 0
fi
cat >"$T/server.py" <<'PY'
import http.server, json, sys, urllib.parse
log = open(sys.argv[1], "w")
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        log.write(self.path + "\n"); log.flush()
        if q.get("query") == ["reject_me"]:
            code, body = 400, {"status": "error", "errorType": "bad_data",
                               "error": "parse error at char 5"}
        elif q.get("query") == ["deep"]:
            code, body = 200, None
        else:
            code, body = 200, {"status": "success", "data": {"resultType": "matrix", "result": [
                {"metric": {"__name__": "vcpu_exits_total", "reason": "io"},
                 "values": [[1714564800, "1"], [1714564810.5, "NaN"], [1714564820, "+Inf"],
                            [1714564830.43, "2"]]},
                {"metric": {"__name__": "cpu_usage", "core": "0"},
                 "values": [[1714564800, "0.25"]]}]}}
        data = json.dumps(body).encode() if q.get("query") != ["deep"] else \
            (b"[" * 80000) + b"{}" + (b"]" * 80000)
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
python3 "$T/server.py" "$T/requests" >"$T/port" 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$T"' EXIT
# Up to 30 s for python3 to start: at the start of a parallel `make check`
# the 3 s this waited were not always enough (every case then failed).
i=0
while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do
    sleep 0.3
    i=$((i + 1))
done
url="http://127.0.0.1:$(cat "$T/port")"

golden "--url csv" "$G/url.csv" \
    "$Q" --url "$url" '{__name__=~".+"}' --start 1714564800 --end 1714564859 --format csv
if grep -q '^/api/v1/query_range?query=%7B__name__%3D~%22.%2B%22%7D&start=1714564800&end=1714564859&step=1$' \
    "$T/requests"; then
    ok "request is a Prometheus query_range"
else
    not_ok "request shape" "$(cat "$T/requests")"
fi
fails "server error is passed on" 1 "rondo-query: $url: parse error at char 5" \
    "$Q" --url "$url" reject_me --range 1m
fails "an answer nested 80000 deep is refused" 1 "rondo-query: $url: JSON nested deeper" \
    "$Q" --url "$url" deep --range 1m
fails "--tier is refused with --url" 2 "rondo-query: " "$Q" --url "$url" x --tier 1
fails "no server" 1 "rondo-query: http://127.0.0.1:9/: " "$Q" --url http://127.0.0.1:9/ x
done_testing
