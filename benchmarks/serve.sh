#!/usr/bin/env bash
# reason serve under load: the first 64 held-out arithmetic problems as chat requests (budget 8x, request i with seed
# i) to one server on the shipped model, sent one at a time, then 16 at a time. Prints answers/minute and completion
# tokens/s of each and their ratio, how many answers were right, and whether every request got the same reply both
# ways; writes OUT/requests.jsonl (one line a request and way) and OUT/table.md (the table printed).
#
#   bash benchmarks/serve.sh [OUT]     (default OUT: benchmarks/results/serve; a few minutes on two cores)
#
# Environment: REASON (the command, default ./reason); SERVE_ARGS (more options for reason serve, default
# "--concurrent 16 --parallel 8": the 16 requests sent together decode together, each its 8 chains at once);
# PYTHON (python3, the client).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-benchmarks/results/serve}
reason=${REASON:-./reason}
python=${PYTHON:-python3}
mkdir -p "$out"
log="$out/serve.log"

# shellcheck disable=SC2086
$reason serve --port 0 ${SERVE_ARGS:---concurrent 16 --parallel 8} >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 600); do
    grep -q "reason serve: ready" "$log" && break
    kill -0 $server 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.5
done
port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$log" | grep -o '[0-9]*$')

$python - "$port" "$out" <<'PY'
import concurrent.futures, http.client, json, sys, time

port, out = int(sys.argv[1]), sys.argv[2]
problems = [json.loads(l) for l in open("models/reason-mini/eval/arithmetic.jsonl")][:64]

def ask(i):
    body = json.dumps({"model": "reason-mini", "seed": i, "budget": "8x",
                       "messages": [{"role": "user", "content": problems[i]["question"]}]})
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    c.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
    r = c.getresponse()
    reply = json.loads(r.read())
    c.close()
    if r.status != 200:
        sys.exit("request %d: HTTP %d %s" % (i, r.status, reply))
    return reply

def run(clients):
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        replies = list(pool.map(ask, range(len(problems))))
    return time.monotonic() - start, replies

ask(0)  # the first request warms the server up; it is not timed
rows, lines, outcomes = [], [], {}
for clients in (1, 16):
    seconds, replies = run(clients)
    tokens = sum(r["usage"]["completion_tokens"] for r in replies)
    right = sum(r["reason"]["answer"] == p["answer"] for r, p in zip(replies, problems))
    rows.append((clients, len(replies), seconds, tokens, right))
    outcomes[clients] = [(r["choices"][0]["message"]["content"], r["reason"]["answer"], r["reason"]["votes"],
                          r["usage"]["completion_tokens"]) for r in replies]
    for i, r in enumerate(replies):
        lines.append(json.dumps({"clients": clients, "request": i, "answer": r["reason"]["answer"],
                                 "expected": problems[i]["answer"], "completion_tokens": r["usage"]["completion_tokens"],
                                 "chains": r["reason"]["chains_started"], "seconds": r["reason"]["seconds"]}))
open(out + "/requests.jsonl", "w").write("\n".join(lines) + "\n")

table = ["| sent | requests | seconds | completion tokens | answers/min | tokens/s | right |",
         "|---|---:|---:|---:|---:|---:|---:|"]
for clients, n, seconds, tokens, right in rows:
    table.append("| %s | %d | %.1f | {:,} | %.1f | {:,.0f} | %d |".format(tokens, tokens / seconds)
                 % ("one at a time" if clients == 1 else "%d at a time" % clients, n, seconds, 60 * n / seconds, right))
(c1, n1, s1, t1, _), (c16, n16, s16, t16, _) = rows
table.append("| ratio | | | | %.2fx | %.2fx | |" % ((n16 / s16) / (n1 / s1), (t16 / s16) / (t1 / s1)))
same = sum(a == b for a, b in zip(outcomes[1], outcomes[16]))
table.append("")
table.append("Replies the same both ways (text, answer, vote, tokens): %d of %d." % (same, len(problems)))
open(out + "/table.md", "w").write("\n".join(table) + "\n")
print("\n".join(table))
PY
