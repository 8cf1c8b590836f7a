#!/usr/bin/env python3
"""make mutate: one-line mutants of the report's key claims must fail tests.

    scripts/mutate.py [--work DIR] [--only ID,...] [--list]

Reads tests/mutants.tsv (one mutant a line: id, file, the exact original
text, its replacement, the ctest -R regex of the tests expected to kill it,
the claim it breaks). Copies the source tree (git ls-files) into
DIR/src, only the files that changed since the last time (so that builds
stay incremental), configures DIR/build once, builds it and runs every
named test on the unmutated tree first (they must pass, or a "kill" would
mean nothing). Then, for each mutant: replace the original text (it must
occur exactly once in the file, else the mutant no longer matches the code
and the run fails, naming it), rebuild, run its tests, put the file back.
A mutant is killed when a named test fails; it survives when they all
pass. Prints a table mutant -> killed by, and exits 1 when a mutant
survived, did not build or no longer applies. DIR defaults to build-mutate.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_mutants(path):
    out = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 6:
                sys.exit("%s:%d: want 6 tab-separated columns, got %d" % (path, n, len(cols)))
            mid, file, orig, repl, tests, claim = cols
            out.append(dict(id=mid, file=file, orig=orig, repl=repl, tests=tests,
                            claim=claim, line=n))
    return out


def sync_tree(src):
    """Copy the work tree's files (tracked and new, not ignored) into src,
    writing only those whose bytes differ."""
    files = subprocess.run(["git", "-C", ROOT, "ls-files", "-co", "--exclude-standard",
                            "-z"], check=True, capture_output=True).stdout.split(b"\0")
    copied = 0
    for rel in files:
        if not rel:
            continue
        rel = rel.decode()
        a, b = os.path.join(ROOT, rel), os.path.join(src, rel)
        if not os.path.isfile(a) or os.path.islink(a):
            if os.path.islink(a) and not os.path.lexists(b):
                os.makedirs(os.path.dirname(b), exist_ok=True)
                os.symlink(os.readlink(a), b)
            continue
        with open(a, "rb") as f:
            data = f.read()
        try:
            with open(b, "rb") as f:
                same = f.read() == data
        except OSError:
            same = False
        if not same:
            os.makedirs(os.path.dirname(b), exist_ok=True)
            with open(b, "wb") as f:
                f.write(data)
            shutil.copymode(a, b)
            copied += 1
    return copied


def build(bdir, log):
    r = subprocess.run(["cmake", "--build", bdir, "-j", str(os.cpu_count() or 2)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with open(log, "w") as f:
        f.write(r.stdout)
    return r.returncode == 0


def ctest(bdir, regex, log):
    """Run the tests matching regex; the names of those that failed (or
    ['(none matched)'] when the regex names no test), and the count run."""
    r = subprocess.run(["ctest", "--test-dir", bdir, "-R", regex, "--output-on-failure",
                        "--timeout", "600"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    with open(log, "w") as f:
        f.write(r.stdout)
    ran = re.findall(r"Test +#\d+: (\S+) \.*\s*(Passed|\*\*\*Skipped|\*\*\*|Failed|Not Run"
                     r"|Exception)", r.stdout)
    failed = [name for name, st in ran if st not in ("Passed", "***Skipped")]
    if not ran:
        return ["(none matched)"], 0
    return failed, len(ran)


def main():
    global ROOT
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", help="scratch folder (default: ROOT/build-mutate)")
    ap.add_argument("--only", default="", help="comma-separated mutant ids")
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    ap.add_argument("--mutants", help="default: ROOT/tests/mutants.tsv")
    ap.add_argument("--root", default=ROOT, help="the tree to copy (default: this one)")
    args = ap.parse_args()
    ROOT = os.path.abspath(args.root)
    if args.mutants is None:
        args.mutants = os.path.join(ROOT, "tests", "mutants.tsv")
    if args.work is None:
        args.work = os.path.join(ROOT, "build-mutate")
    mutants = load_mutants(args.mutants)
    if args.only:
        want = set(args.only.split(","))
        mutants = [m for m in mutants if m["id"] in want]
    if args.list:
        for m in mutants:
            print("%-24s %-34s %s" % (m["id"], m["file"], m["claim"]))
        return 0
    t0 = time.time()
    src, bdir, logs = (os.path.join(args.work, d) for d in ("src", "build", "logs"))
    for d in (src, logs):
        os.makedirs(d, exist_ok=True)
    n = sync_tree(src)
    print("mutate: %d file(s) copied to %s" % (n, src), flush=True)
    # Every mutant must apply to the code as it is now: check them all
    # before spending any time on builds.
    stale = []
    for m in mutants:
        path = os.path.join(src, m["file"])
        try:
            text = open(path).read()
        except OSError:
            text = ""
        if text.count(m["orig"]) != 1:
            stale.append(m)
            print("mutate: %s (tests/mutants.tsv:%d) does not apply: '%s' occurs %d "
                  "times in %s; the code changed, update the mutant"
                  % (m["id"], m["line"], m["orig"].strip(), text.count(m["orig"]),
                     m["file"]), file=sys.stderr)
    if stale:
        return 1
    if not os.path.exists(os.path.join(bdir, "CMakeCache.txt")):
        subprocess.run(["cmake", "-S", src, "-B", bdir, "-DWERROR=OFF", "-DSANITIZE=OFF"],
                       check=True, stdout=subprocess.DEVNULL)
    if not build(bdir, os.path.join(logs, "baseline-build.log")):
        print("mutate: the unmutated tree does not build (%s/baseline-build.log)" % logs,
              file=sys.stderr)
        return 1
    # one group only: ctest's regular expressions allow few parentheses
    names = sorted({n for m in mutants for n in re.findall(r"[A-Za-z0-9_]+", m["tests"])})
    regex = "^(%s)$" % "|".join(names)
    failed, ran = ctest(bdir, regex, os.path.join(logs, "baseline-tests.log"))
    if failed:
        print("mutate: the tests fail on the unmutated tree: %s (%s/baseline-tests.log)"
              % (", ".join(failed), logs), file=sys.stderr)
        return 1
    print("mutate: baseline: %d tests pass in %.0f s" % (ran, time.time() - t0),
          flush=True)
    rows, bad = [], 0
    for m in mutants:
        t1 = time.time()
        path = os.path.join(src, m["file"])
        with open(path) as f:
            orig = f.read()
        try:
            with open(path, "w") as f:
                f.write(orig.replace(m["orig"], m["repl"]))
            if not build(bdir, os.path.join(logs, m["id"] + "-build.log")):
                verdict, by = "NO BUILD", "(see logs/%s-build.log)" % m["id"]
                bad += 1
            else:
                failed, ran = ctest(bdir, m["tests"], os.path.join(logs, m["id"] + ".log"))
                if failed == ["(none matched)"]:
                    verdict, by = "NO TESTS", "'%s' names no test" % m["tests"]
                    bad += 1
                elif failed:
                    verdict, by = "killed", ", ".join(failed)
                else:
                    verdict, by = "SURVIVED", "%d test(s) passed" % ran
                    bad += 1
        finally:
            with open(path, "w") as f:
                f.write(orig)
        rows.append((m["id"], verdict, by, time.time() - t1, m["claim"]))
        print("mutate: %-24s %-8s %s (%.0f s)" % rows[-1][:4], flush=True)
    build(bdir, os.path.join(logs, "restore-build.log"))
    print()
    print("| mutant | file | claim | result | killed by | s |")
    print("|---|---|---|---|---|---:|")
    for (mid, verdict, by, secs, claim), m in zip(rows, mutants):
        print("| %s | %s | %s | %s | %s | %.0f |" % (mid, m["file"], claim, verdict, by, secs))
    print()
    print("mutate: %d mutant(s), %d killed, %d not; %.0f s in all"
          % (len(rows), len(rows) - bad, bad, time.time() - t0))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
