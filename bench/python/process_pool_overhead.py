#!/usr/bin/env python3
"""Python's side of the ProcessStrategy figure: what concurrent.futures.ProcessPoolExecutor costs on this machine.

Standard library only. Measures, each as the median of several rounds with the first dropped as warm-up:
  * per-item cost (us) of map(add_one, range(100000), chunksize=100) on a warm 2-process pool,
    and of chunksize=1 on 2,000 items;
  * warm round trip (us): submit(add_one, 1).result() on a warm pool, median of 200 calls;
  * cold start (ms): from ProcessPoolExecutor(2) to the first result of submit(add_one, 1), a new pool each round
    (with the platform's default start method, and with "spawn", the default on macOS and Windows);
  * CPU-bound: 40 items of ~100 ms trial-division prime counting, serial vs 2 processes (chunksize=1).
Prints one JSON object on stdout (nothing else), so the C# harness can parse it:
    python3 bench/python/process_pool_overhead.py [--rounds 5] [--cpu-rounds 3]
"""

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor

WORKERS = 2
TRIVIAL_ITEMS = 100_000
CHUNK1_ITEMS = 2_000
ROUND_TRIPS = 200
CPU_ITEMS = 40
CPU_TARGET_SECONDS = 0.100


def add_one(x):
    return x + 1


def count_primes(limit):
    """Counts the primes below limit by trial division (the same algorithm as the C# harness)."""
    count = 0
    for n in range(2, limit):
        d = 2
        prime = True
        while d * d <= n:
            if n % d == 0:
                prime = False
                break
            d += 1
        if prime:
            count += 1
    return count


def calibrate_prime_limit():
    """Finds a limit for which count_primes takes about CPU_TARGET_SECONDS here, serially (fastest of 3 runs)."""
    limit = 2_000
    for _ in range(6):
        elapsed = fastest_count_primes(limit)
        if abs(elapsed - CPU_TARGET_SECONDS) < CPU_TARGET_SECONDS * 0.05:
            break
        # Trial division costs about limit^1.5 / log(limit); the exponent alone converges in a few steps.
        limit = max(1_000, int(limit * (CPU_TARGET_SECONDS / max(elapsed, 1e-6)) ** (1 / 1.4)))
    return limit, fastest_count_primes(limit)


def fastest_count_primes(limit, runs=3):
    """The fastest of a few runs: on a shared machine, other processes only ever make a run slower."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        count_primes(limit)
        best = min(best, time.perf_counter() - start)
    return best


def timed(action):
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def median_after_warmup(samples):
    return statistics.median(samples[1:]) if len(samples) > 1 else samples[0]


def cold_start_ms(context, rounds):
    samples = []
    for _ in range(rounds + 1):
        start = time.perf_counter()
        executor = ProcessPoolExecutor(WORKERS, mp_context=context)
        value = executor.submit(add_one, 1).result()
        samples.append((time.perf_counter() - start) * 1000)
        executor.shutdown(wait=True)
        assert value == 2
    return median_after_warmup(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cpu-rounds", type=int, default=3)
    args = parser.parse_args()

    default_method = multiprocessing.get_start_method()
    expected_trivial = TRIVIAL_ITEMS * (TRIVIAL_ITEMS + 1) // 2
    expected_chunk1 = CHUNK1_ITEMS * (CHUNK1_ITEMS + 1) // 2

    # Warm pool: per-item cost (interleaved round by round) and the single round trip.
    chunk100, chunk1, round_trip = [], [], []
    with ProcessPoolExecutor(WORKERS) as executor:
        list(executor.map(add_one, range(WORKERS * 4), chunksize=1))  # start both workers
        for _ in range(args.rounds + 1):
            elapsed, total = timed(lambda: sum(executor.map(add_one, range(TRIVIAL_ITEMS), chunksize=100)))
            assert total == expected_trivial, total
            chunk100.append(elapsed * 1e6 / TRIVIAL_ITEMS)

            elapsed, total = timed(lambda: sum(executor.map(add_one, range(CHUNK1_ITEMS), chunksize=1)))
            assert total == expected_chunk1, total
            chunk1.append(elapsed * 1e6 / CHUNK1_ITEMS)

            calls = []
            for _ in range(ROUND_TRIPS):
                start = time.perf_counter()
                executor.submit(add_one, 1).result()
                calls.append((time.perf_counter() - start) * 1e6)
            round_trip.append(statistics.median(calls))

    cold_default = cold_start_ms(None, args.rounds)
    cold_spawn = cold_start_ms(multiprocessing.get_context("spawn"), args.rounds)

    # CPU-bound: serial vs 2 processes, interleaved, on a warm pool.
    limit, item_seconds = calibrate_prime_limit()
    items = [limit] * CPU_ITEMS
    expected = count_primes(limit) * CPU_ITEMS
    serial, parallel = [], []
    with ProcessPoolExecutor(WORKERS) as executor:
        list(executor.map(add_one, range(WORKERS * 4), chunksize=1))
        for _ in range(args.cpu_rounds + 1):
            elapsed, total = timed(lambda: sum(map(count_primes, items)))
            assert total == expected, total
            serial.append(elapsed)
            elapsed, total = timed(lambda: sum(executor.map(count_primes, items, chunksize=1)))
            assert total == expected, total
            parallel.append(elapsed)

    serial_s = median_after_warmup(serial)
    parallel_s = median_after_warmup(parallel)
    print(json.dumps({
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "cores": os.cpu_count(),
        "start_method": default_method,
        "workers": WORKERS,
        "rounds": args.rounds,
        "cpu_rounds": args.cpu_rounds,
        "per_item_us_chunksize_100": median_after_warmup(chunk100),
        "per_item_us_chunksize_1": median_after_warmup(chunk1),
        "round_trip_us": median_after_warmup(round_trip),
        "cold_start_ms": cold_default,
        "cold_start_spawn_ms": cold_spawn,
        "prime_limit": limit,
        "prime_item_ms": item_seconds * 1000,
        "cpu_items": CPU_ITEMS,
        "cpu_serial_s": serial_s,
        "cpu_parallel_s": parallel_s,
        "cpu_speedup": serial_s / parallel_s,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
