#!/usr/bin/env python3
"""The analysis fixture with 4 + 4 headline trials (tests/data/analysis95).

    make-fixture95.py SRC_RUN OUT_RUN [ROUNDS]

Copies the run directory SRC_RUN (tests/data/analysis/main: 2 rounds, each
with a profiled and an unprofiled trial of direct, nats and nats-2p) to
OUT_RUN and adds rounds 3 to ROUNDS (default 4, at most 6): copies of the
unprofiled trials of rounds 1 and 2 with every CPU figure scaled by a factor
of its own (no two values tie). 4 unprofiled trials a side are the fewest
for which an exact Mann-Whitney interval reaches 95%, so `overhead analyze`
on OUT_RUN takes the exact path that the 2 + 2 fixture never reaches; with
6 rounds the trials pair up by round and the headline takes the paired
signed-rank interval. Deterministic: the same input gives the same bytes."""
import json
import os
import shutil
import sys

CPU_KEYS = {"cpu_s", "measured_s", "user_s", "sys_s", "total_s", "per_event_us",
            "window_s", "window_per_event_us", "measured_per_event_us", "bot_s",
            "services_s", "nats_server_s"}
# round 3 copies round 1's unprofiled trials, round 4 round 2's
FACTORS = {("direct", 3): 1.0213, ("nats", 3): 1.0131, ("nats-2p", 3): 0.9787,
           ("direct", 4): 0.9871, ("nats", 4): 0.9933, ("nats-2p", 4): 1.0171,
           ("direct", 5): 1.0057, ("nats", 5): 1.0249, ("nats-2p", 5): 1.0093,
           ("direct", 6): 0.9712, ("nats", 6): 0.9811, ("nats-2p", 6): 0.9622}


def scale(v, f):
    if isinstance(v, dict):
        return {k: (x * f if k in CPU_KEYS and isinstance(x, (int, float))
                    and not isinstance(x, bool) else scale(x, f))
                for k, x in v.items()}
    if isinstance(v, list):
        return [scale(x, f) for x in v]
    return v


def main():
    src, out = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    assert 3 <= rounds <= 6, "ROUNDS: 3 to 6"
    if os.path.exists(out):
        shutil.rmtree(out)
    shutil.copytree(src, out)
    recs = []
    for name in sorted(os.listdir(src)):
        if name.startswith("trial-") and name.endswith(".json"):
            with open(os.path.join(src, name)) as f:
                recs.append(json.load(f))
    index = max(r["trial"] for r in recs)
    for rnd in range(3, rounds + 1):
        for r in recs:
            if r["profiled"] or r["round"] != (rnd - 1) % 2 + 1:
                continue
            index += 1
            n = scale(r, FACTORS[(r["arch"], rnd)])
            n["trial"], n["round"] = index, rnd
            name = "trial-%02d-%s.json" % (index, n["tag"])
            with open(os.path.join(out, name), "w") as f:
                json.dump(n, f, indent=2, sort_keys=True)
                f.write("\n")
    run = os.path.join(out, "run.json")
    with open(run) as f:
        rj = json.load(f)
    rj["config"]["trials"] = rounds
    with open(run, "w") as f:
        json.dump(rj, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
