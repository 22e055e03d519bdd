#!/usr/bin/env python3
"""make fuzz-guest: testkern's fuzz_guest test (testkern/vmtests/fuzz_guest.c,
guests/fuzz.asm) on each backend in turn, booted as scripts/hvaccel.py
decides (SVM: QEMU, VMX: Bochs unless nested KVM), with
`kern.fuzz_seed=SEED kern.fuzz_seconds=SECONDS kern.fuzz_episodes=EPISODES`.
Prints the seed first, then per backend its outcome counts and totals (the
serial log keeps one line per episode: build/logs/fuzz-guest-<backend>.log).
Exit status 0 when every backend passed; a failing episode reproduces with
`make fuzz-guest SEED=<its seed> EPISODES=1`.
"""
import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvaccel  # noqa: E402
import hvrun  # noqa: E402

BACKENDS = ["svm", "vmx"]
# the test watchdog (kern.test_timeout_ms) and the runner's timeout get this
# much more than the fuzzing time: boot, the last episode, the summary
SLACK_S = 300


def run(backend, seed, seconds, episodes):
    d = hvaccel.decide(backend)
    build = os.path.join(hvrun.TOP, "build")
    guests = sorted(os.path.join(build, "guests", g)
                    for g in os.listdir(os.path.join(build, "guests")) if g.endswith(".bin"))
    cmdline = ("kern.fuzz_seed=%d kern.fuzz_seconds=%d kern.fuzz_episodes=%d "
               "kern.test_timeout_ms=%d run=fuzz_guest"
               % (seed, seconds, episodes, (seconds + SLACK_S) * 1000))
    r = subprocess.run([os.path.join(hvrun.TOP, "scripts", "mkimage.sh"), "-k",
                        os.path.join(build, "testkern.elf"), "-c", cmdline] + guests,
                       capture_output=True, text=True)
    if r.returncode:
        print("%s: mkimage.sh failed: %s" % (backend, r.stderr.strip()))
        return False
    log = os.path.join(build, "logs", "fuzz-guest-%s.log" % backend)
    t0 = time.monotonic()
    r = subprocess.run(hvaccel.runner_argv(d) + [
        "-i", r.stdout.strip(), "-n", "2", "--serial", "file", "--log", log,
        "--timeout", str(2 * seconds + SLACK_S)], capture_output=True, text=True)
    text = hvrun.read_log(log)
    print("%s: %s, %.0f s: %s" % (backend, hvaccel.describe(d), time.monotonic() - t0,
                                  r.stderr.strip().splitlines()[-1] if r.stderr.strip() else
                                  hvrun.STATUS_NAMES.get(r.returncode, r.returncode)))
    for c in hvrun.parse_checks(text):
        if c["test"] == "fuzz_guest":
            print("  %s %s" % (c["status"], c["message"]))
    bad = [e for e in hvrun.parse_fuzz_episodes(text) if e.get("outcome") == "host_problem"]
    for e in bad:
        print("  failing episode: seed=%s (make fuzz-guest SEED=%s EPISODES=1): %s"
              % (e["seed"], e["seed"], e.get("why", "")))
    print("  serial log: %s" % log)
    return r.returncode == hvrun.PASS


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--episodes", type=int, default=0)
    ap.add_argument("--backend", choices=BACKENDS, action="append")
    a = ap.parse_args()
    print("fuzz-guest: seed=%d seconds=%d episodes=%d" % (a.seed, a.seconds, a.episodes))
    ok = [run(b, a.seed, a.seconds, a.episodes) for b in (a.backend or BACKENDS)]
    sys.exit(0 if all(ok) else 1)


if __name__ == "__main__":
    main()
