#!/usr/bin/env python3
"""Python's side of the scenario runner: the explainer's approaches, one measured run per call.

The C# scenario runner calls this script once per (workload, approach, concurrency, round), interleaved with its own
.NET runs, and parses the one JSON object it prints on stdout (nothing else is printed there; warnings go to stderr).
Needs the Debian interpreter and its packages (aiohttp, requests, Pillow):
    /usr/bin/python3 bench/python/scenarios.py probe
    /usr/bin/python3 bench/python/scenarios.py run --workload W --approach A [--concurrency N] [--chunksize K]
        [--count N] [--base-url http://127.0.0.1:PORT] [--source-dir DIR] [--target-dir DIR] [--limit L]

probe prints {"python", "aiohttp", "requests", "pil", "cores"}, or names the missing module on stderr and exits 3.

Approaches:
  serial     a plain loop on the main thread;
  threads    ThreadPoolExecutor(max_workers=concurrency), executor.map;
  processes  ProcessPoolExecutor(max_workers=concurrency) (the platform's default start method, fork on Linux),
             executor.map(fn, items, chunksize=chunksize or 1);
  asyncio    asyncio.run; one coroutine per item, each inside asyncio.Semaphore(concurrency), asyncio.gather.
Workloads (and the approaches they accept):
  download   GET {base}/images/{i}.jpg, write it to {target}/{i}.jpg (all four);
  scrape     GET {base}/pages/{i}, find the title, count href= and the words outside tags (all four);
  resize     {source}/{i}.jpg -> 800x600 JPEG (quality 85) in {target}/{i}.jpg, with Pillow (not asyncio);
  primes     count_primes(limit), count times (not asyncio);
  trivial    add_one(i) for i in range(count) (all four): the per-item cost of each approach;
  pending    asyncio only: bytes per pending task (count tasks waiting on one asyncio.Event);
  roundtrip  processes only: one warm worker, submit(add_one, i).result() one after another (the warm round trip);
  coldstart  processes only: a new ProcessPoolExecutor(1) per item, timed to its first result (the cold start);
  sleep      asyncio only: each item awaits asyncio.sleep(--latency-ms), the latency-bound case (check {"sum"}).
HTTP clients: requests with one Session per thread (serial: one; processes: one per worker process), and for asyncio
one aiohttp.ClientSession(connector=TCPConnector(limit=0)). A non-200 answer is an error: there are no retries.

Only the work is timed (time.perf_counter): interpreter start, imports, pool creation and the warm-up are not. The
warm-up starts every worker (2*concurrency calls that sleep 20 ms) and, for download and scrape, makes
min(count, concurrency) real requests (items 0..) in the same pool or session, so that connections are open.

Each run prints one line:
  {"workload", "approach", "concurrency", "chunksize" (processes only, else null), "count", "seconds", "ok", "errors",
   "first_error", "check": {...}, "peak_rss_kb" (this process's VmHWM), "workers_peak_rss_kb" (processes only: the
   sum of the workers' VmHWM just before the pool shuts down)}
An item that raises is counted in errors (the first message is kept) and never stops the run: ok + errors == count.
check per workload: download/resize {"files", "bytes"}; scrape {"pages", "links", "words", "title_chars"};
primes {"primes"}; trivial {"sum"}; pending {"bytes_per_pending_traced", "bytes_per_pending_rss", ...}.
pending runs twice from the same state: first, in a forked child, with tracemalloc on (bytes_per_pending_traced;
tracemalloc slows creation and its own bookkeeping about doubles the RSS growth, so that pass's time,
check.traced_pass_seconds, is not a speed figure), then here without it: gc.collect(), VmRSS before the tasks and
while all wait (bytes_per_pending_rss), "seconds" from creating the tasks to the gather's end, and peak_rss_kb.
Exit codes: 0 done (even with item errors), 2 invalid arguments, 3 a needed module is missing.
"""

import argparse
import asyncio
import gc
import json
import os
import platform
import re
import sys
import threading
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from process_pool_overhead import add_one, count_primes  # noqa: E402

try:
    import aiohttp
except ImportError:
    aiohttp = None
try:
    import requests
except ImportError:
    requests = None
try:
    import PIL
    from PIL import Image
except ImportError:
    PIL = None
    Image = None

APT_FIX = "apt-get install python3-aiohttp python3-requests python3-pil (and run /usr/bin/python3)"
APPROACHES = ("serial", "threads", "processes", "asyncio")
WORKLOAD_APPROACHES = {
    "download": APPROACHES,
    "scrape": APPROACHES,
    "resize": ("serial", "threads", "processes"),
    "primes": ("serial", "threads", "processes"),
    "trivial": APPROACHES,
    "pending": ("asyncio",),
    "sleep": ("asyncio",),
    "roundtrip": ("processes",),
    "coldstart": ("processes",),
}
IO_WORKLOADS = ("download", "scrape")
TARGET_SIZE = (800, 600)
JPEG_QUALITY = 85
HTTP_TIMEOUT = (30, 120)  # requests: connect, read (seconds)
WARMUP_SLEEP = 0.020
MAX_ERROR_CHARS = 500

# --- per-process state: set by configure() in this process, and by the pool's initializer in each worker ---------
_config = {}
_work = None
_in_worker = False
_worker_session = None
_thread_state = threading.local()


def configure(config):
    global _config, _work
    _config = dict(config)
    _work = WORK_FUNCTIONS[config["workload"]]


def worker_init(config):
    """ProcessPoolExecutor initializer: the same configuration in every worker, and a Session per worker process."""
    global _in_worker, _worker_session
    configure(config)
    _in_worker = True
    _worker_session = None


def session():
    """The calling thread's requests.Session (in a worker process: the process's one Session), made on first use."""
    global _worker_session
    if _in_worker:
        if _worker_session is None:
            _worker_session = requests.Session()
        return _worker_session
    current = getattr(_thread_state, "session", None)
    if current is None:
        current = _thread_state.session = requests.Session()
    return current


def describe(error):
    text = f"{type(error).__name__}: {error}"
    return text if len(text) <= MAX_ERROR_CHARS else text[:MAX_ERROR_CHARS] + "..."


def guarded(entry):
    """Runs the configured work on one item; an exception becomes an error outcome instead of ending executor.map."""
    try:
        return ("ok", _work(entry))
    except Exception as error:  # noqa: BLE001 - every item must yield an outcome
        return ("err", describe(error))


def sleep_warmup(_):
    time.sleep(WARMUP_SLEEP)
    return os.getpid()


def require_200(status, raise_for_status):
    raise_for_status()
    if status != 200:
        raise RuntimeError(f"HTTP {status} (expected 200)")


# --- the work ---------------------------------------------------------------------------------------------------

TAG = re.compile(rb"<[^>]*>?")  # [^>]* stops only at ">" or at the end
WORD_TABLE = bytes(0x20 if b in b" \t\n\r\f\v" else 0x78 for b in range(256))
TITLE_OPEN = b"<title>"
TITLE_CLOSE = b"</title>"


def parse_page(body):
    """(title, links, words) of a page's UTF-8 bytes, as the C# PageParser finds them.

    words follows a byte state machine: '<' starts a tag and ends any word, '>' ends the tag, and outside tags a word
    is a run of bytes other than ASCII whitespace (space, \\t, \\n, \\r, \\f, \\v); a '>' outside a tag neither ends
    nor starts a word. Without a per-byte Python loop: TAG replaces each tag by a space (every '<' outside a tag
    starts a match, which runs to the next '>' or, when there is none, to the end: the rest is a tag); translate then
    deletes the '>' left over (all outside tags) and maps whitespace to b" " and every other byte to b"x", so that a
    word starts at each b" x" and at a leading b"x".
    """
    title = ""
    start = body.find(TITLE_OPEN)
    if start >= 0:
        start += len(TITLE_OPEN)
        end = body.find(TITLE_CLOSE, start)
        if end > start:
            title = body[start:end].decode("utf-8", errors="replace").strip()
    links = body.count(b"href=")
    shape = TAG.sub(b" ", body).translate(WORD_TABLE, b">")
    words = shape.count(b" x") + shape.startswith(b"x")
    return title, links, words


def download_item(i):
    response = session().get(f"{_config['base_url']}/images/{i}.jpg", timeout=HTTP_TIMEOUT)
    require_200(response.status_code, response.raise_for_status)
    data = response.content
    with open(os.path.join(_config["target_dir"], f"{i}.jpg"), "wb") as file:
        file.write(data)
    return len(data)


def scrape_item(i):
    response = session().get(f"{_config['base_url']}/pages/{i}", timeout=HTTP_TIMEOUT)
    require_200(response.status_code, response.raise_for_status)
    title, links, words = parse_page(response.content)
    return len(title), links, words


def draft_request(size, target=TARGET_SIZE):
    """The size to ask JpegImageFile.draft for so that it decodes at the scale the .NET side picks.

    The .NET resizer decodes at the smallest scale that still has the target's pixel count with no side below 85% of
    the target's (1920x1080 to 800x600: 1/2, 960x540). Pillow's draft takes the largest of 1/8, 1/4, 1/2, 1 that keeps
    both sides at least the requested size, so draft("RGB", (800, 600)) would decode 1920x1080 at full size; asking
    for (width // s, height // s) makes it pick s. Pillow has no 3/8, 5/8, 3/4 or 7/8 scale: where .NET would use one,
    this picks the next larger scale Pillow has.
    """
    width, height = size
    for scale in (8, 4, 2):
        w, h = -(-width // scale), -(-height // scale)
        if w * h >= target[0] * target[1] and w >= target[0] * 0.85 and h >= target[1] * 0.85:
            return (width // scale, height // scale)
    return (width, height)  # full size


if Image is None:
    BILINEAR = None
else:
    BILINEAR = Image.Resampling.BILINEAR if hasattr(Image, "Resampling") else Image.BILINEAR


def resize_item(i):
    target = os.path.join(_config["target_dir"], f"{i}.jpg")
    with Image.open(os.path.join(_config["source_dir"], f"{i}.jpg")) as image:
        image.draft("RGB", draft_request(image.size))
        decoded = image.size
        resized = image.convert("RGB").resize(TARGET_SIZE, BILINEAR)
    resized.save(target, quality=JPEG_QUALITY)
    return os.path.getsize(target), decoded


def primes_item(limit):
    return count_primes(limit)


WORK_FUNCTIONS = {
    "download": download_item,
    "scrape": scrape_item,
    "resize": resize_item,
    "primes": primes_item,
    "trivial": add_one,
    "pending": None,
    "sleep": None,
    "roundtrip": add_one,
    "coldstart": add_one,
}


async def download_async(http, i):
    async with http.get(f"{_config['base_url']}/images/{i}.jpg") as response:
        data = await response.read()
        require_200(response.status, response.raise_for_status)
    with open(os.path.join(_config["target_dir"], f"{i}.jpg"), "wb") as file:
        file.write(data)
    return len(data)


async def scrape_async(http, i):
    async with http.get(f"{_config['base_url']}/pages/{i}") as response:
        body = await response.read()
        require_200(response.status, response.raise_for_status)
    title, links, words = parse_page(body)
    return len(title), links, words


async def trivial_async(_http, x):
    return x + 1


async def sleep_async(_http, x):
    """A latency-bound item: nothing but a wait of --latency-ms (the scenario runner's ideal-throughput check)."""
    await asyncio.sleep(_config["latency"])
    return x + 1


ASYNC_FUNCTIONS = {"download": download_async, "scrape": scrape_async, "trivial": trivial_async, "sleep": sleep_async}


async def bounded(semaphore, work, http, entry):
    async with semaphore:
        try:
            return ("ok", await work(http, entry))
        except Exception as error:  # noqa: BLE001 - every item must yield an outcome
            return ("err", describe(error))


# --- memory -----------------------------------------------------------------------------------------------------

def status_kb(key, pid="self"):
    """A kB field of /proc/<pid>/status (VmHWM, VmRSS), or 0 when it cannot be read."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


# --- the approaches: each returns (seconds, outcomes, extra fields) ------------------------------------------------

def run_serial(args, items):
    if args.workload in IO_WORKLOADS:
        for entry in items[:1]:
            guarded(entry)
    start = time.perf_counter()
    outcomes = [guarded(entry) for entry in items]
    return time.perf_counter() - start, outcomes, {}


def run_threads(args, items):
    with ThreadPoolExecutor(max_workers=args.concurrency) as executor:
        list(executor.map(sleep_warmup, range(2 * args.concurrency)))
        if args.workload in IO_WORKLOADS:
            list(executor.map(guarded, items[:min(len(items), args.concurrency)]))
        start = time.perf_counter()
        outcomes = list(executor.map(guarded, items))
        seconds = time.perf_counter() - start
    return seconds, outcomes, {}


def run_roundtrip(args, items):
    """One warm worker, one item at a time: submit(add_one, i).result(), count times (the pipe round trip and its bookkeeping)."""
    with ProcessPoolExecutor(max_workers=1) as executor:
        for i in range(20):
            executor.submit(add_one, i).result()
        start = time.perf_counter()
        outcomes = [("ok", executor.submit(add_one, i).result()) for i in items]
        seconds = time.perf_counter() - start
    return seconds, outcomes, {}


def run_coldstart(args, items):
    """From creating ProcessPoolExecutor(1) to the first result of submit(add_one, i), for each item a new pool (its shutdown untimed)."""
    seconds = 0.0
    outcomes = []
    for i in items:
        start = time.perf_counter()
        executor = ProcessPoolExecutor(max_workers=1)
        outcomes.append(("ok", executor.submit(add_one, i).result()))
        seconds += time.perf_counter() - start
        executor.shutdown(wait=True)
    return seconds, outcomes, {}


def run_processes(args, items, config):
    with ProcessPoolExecutor(max_workers=args.concurrency, initializer=worker_init, initargs=(config,)) as executor:
        list(executor.map(sleep_warmup, range(2 * args.concurrency), chunksize=1))
        if args.workload in IO_WORKLOADS:
            list(executor.map(guarded, items[:min(len(items), args.concurrency)], chunksize=1))
        start = time.perf_counter()
        outcomes = list(executor.map(guarded, items, chunksize=args.chunksize))
        seconds = time.perf_counter() - start
        workers = list((getattr(executor, "_processes", None) or {}).keys())
        workers_peak = sum(status_kb("VmHWM", pid) for pid in workers)
    return seconds, outcomes, {"workers": len(workers), "workers_peak_rss_kb": workers_peak}


async def asyncio_main(args, items):
    semaphore = asyncio.Semaphore(args.concurrency)
    work = ASYNC_FUNCTIONS[args.workload]
    if args.workload not in IO_WORKLOADS:
        start = time.perf_counter()
        outcomes = await asyncio.gather(*(bounded(semaphore, work, None, entry) for entry in items))
        return time.perf_counter() - start, outcomes
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=None, connect=HTTP_TIMEOUT[0], sock_read=HTTP_TIMEOUT[1])
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        warm = items[:min(len(items), args.concurrency)]
        await asyncio.gather(*(bounded(semaphore, work, http, entry) for entry in warm))
        start = time.perf_counter()
        outcomes = await asyncio.gather(*(bounded(semaphore, work, http, entry) for entry in items))
        seconds = time.perf_counter() - start
    return seconds, outcomes


def run_asyncio(args, items):
    seconds, outcomes = asyncio.run(asyncio_main(args, items))
    return seconds, outcomes, {}


# --- pending: bytes per pending asyncio task ----------------------------------------------------------------------

_pending_started = 0
_pending_waiting = 0


async def item(i, event, sem):
    global _pending_started, _pending_waiting
    _pending_started += 1
    async with sem:
        _pending_waiting += 1
        await event.wait()
    return i


async def pending_pass(count, concurrency, traced):
    """Creates count tasks that wait on one event, measures while they all wait, then releases them.

    Returns (seconds from creating the tasks to the gather's end, results, memory delta in bytes, started, waiting,
    spins). The delta is VmRSS's, or with traced, tracemalloc's traced bytes (tracemalloc on for the whole pass).
    """
    global _pending_started, _pending_waiting
    _pending_started = _pending_waiting = 0
    event = asyncio.Event()
    sem = asyncio.Semaphore(concurrency)
    gc.collect()
    if traced:
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
    else:
        before = status_kb("VmRSS") * 1024

    start = time.perf_counter()
    tasks = [asyncio.create_task(item(i, event, sem)) for i in range(count)]
    spins = 0
    while _pending_started < count and spins < 100:
        await asyncio.sleep(0)
        spins += 1
    after = tracemalloc.get_traced_memory()[0] if traced else status_kb("VmRSS") * 1024
    started, waiting = _pending_started, _pending_waiting
    event.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    seconds = time.perf_counter() - start
    if traced:
        tracemalloc.stop()
    return seconds, results, after - before, started, waiting, spins


def traced_pass_in_child(count, concurrency):
    """The tracemalloc pass, in a forked child: from the same state as the untraced pass (asyncio's task registry, a
    WeakSet, keeps the table it grew to, which a second pass in this process would find already paid for), and
    leaving this process's memory as it was. Returns the child's {"delta", "seconds", "ok"} or raises."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        status = 0
        try:
            os.close(read_fd)
            seconds, results, delta, *_ = asyncio.run(pending_pass(count, concurrency, traced=True))
            ok = sum(1 for r in results if not isinstance(r, BaseException))
            payload = {"delta": delta, "seconds": seconds, "ok": ok}
        except BaseException as error:  # noqa: BLE001 - reported to the parent
            payload, status = {"error": describe(error)}, 1
        try:
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(json.dumps(payload).encode())
        finally:
            os._exit(status)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    answer = json.loads(data or b'{"error": "the tracemalloc child died"}')
    if "error" in answer:
        raise RuntimeError(f"pending, tracemalloc pass: {answer['error']}")
    return answer


def run_pending(count, concurrency):
    """Two passes from the same state: tracemalloc's traced bytes in a forked child first (tracemalloc slows creation
    and its own bookkeeping about doubles the RSS growth), then VmRSS and the time here, without tracemalloc.
    Returns (seconds, outcomes, check, peak RSS in kB after the untraced pass)."""
    traced = traced_pass_in_child(count, concurrency)
    seconds, results, rss_delta, started, waiting, spins = asyncio.run(pending_pass(count, concurrency, traced=False))
    peak_kb = status_kb("VmHWM")
    outcomes = [("err", describe(r)) if isinstance(r, BaseException) else ("ok", r) for r in results]
    check = {
        "bytes_per_pending_traced": traced["delta"] / count,
        "bytes_per_pending_rss": rss_delta / count,
        "started": started,
        "waiting_on_event": waiting,
        "spins": spins,
        "traced_pass_seconds": traced["seconds"],
        "traced_pass_ok": traced["ok"],
    }
    return seconds, outcomes, check, peak_kb


# --- command line -------------------------------------------------------------------------------------------------

def missing_modules(names):
    available = {"aiohttp": aiohttp, "requests": requests, "pil": PIL}
    return [name for name in names if available[name] is None]


def fail_missing(missing):
    print(f"scenarios.py: missing Python module(s): {', '.join(missing)}; fix: {APT_FIX}", file=sys.stderr)
    return 3


def probe():
    missing = missing_modules(("aiohttp", "requests", "pil"))
    if missing:
        return fail_missing(missing)
    print(json.dumps({
        "python": platform.python_version(),
        "aiohttp": aiohttp.__version__,
        "requests": requests.__version__,
        "pil": PIL.__version__,
        "cores": os.cpu_count(),
    }))
    return 0


def int_at_least(minimum, wording):
    """An argparse type: an int no smaller than minimum, else an error that says what is expected."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {wording}: {text}")
        return value
    return parse


positive_int = int_at_least(1, "at least 1")
non_negative_int = int_at_least(0, "0 or more")


def validate(parser, args):
    allowed = WORKLOAD_APPROACHES[args.workload]
    if args.approach not in allowed:
        if args.approach == "asyncio":
            why = "CPU-bound workloads are not offered with asyncio"
        else:
            why = "it measures asyncio tasks"
        parser.error(f"argument --approach: workload '{args.workload}' does not take '{args.approach}' ({why}); "
                     f"allowed: {', '.join(allowed)}")
    needs = {
        "download": ("count", "base_url", "target_dir"),
        "scrape": ("count", "base_url"),
        "resize": ("count", "source_dir", "target_dir"),
        "primes": ("count", "limit"),
        "trivial": ("count",),
        "pending": ("count",),
        "sleep": ("count",),
        "roundtrip": ("count",),
        "coldstart": ("count",),
    }[args.workload]
    absent = ["--" + name.replace("_", "-") for name in needs if getattr(args, name) is None]
    if absent:
        parser.error(f"workload '{args.workload}' needs {', '.join(absent)}")
    if args.base_url is not None:
        if not re.match(r"^https?://[^/\s]+", args.base_url):
            parser.error(f"argument --base-url: expected http://host:port, got {args.base_url!r}")
        args.base_url = args.base_url.rstrip("/")
    if args.source_dir is not None and args.workload == "resize" and not os.path.isdir(args.source_dir):
        parser.error(f"argument --source-dir: not a directory: {args.source_dir}")
    # Effective values: serial runs one item at a time; chunksize only means something to processes.
    if args.approach == "serial":
        args.concurrency = 1
    elif args.concurrency is None:
        args.concurrency = args.count if args.workload == "pending" else (os.cpu_count() or 1)
    args.chunksize = (args.chunksize or 1) if args.approach == "processes" else None


def raise_open_files_limit():
    """Many concurrent sockets (asyncio with limit=0, many threads) need more descriptors than a low soft limit."""
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = hard if hard != resource.RLIM_INFINITY else 1 << 20
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    except (ImportError, ValueError, OSError):
        pass


def summarize(workload, outcomes):
    values = [value for kind, value in outcomes if kind == "ok"]
    if workload == "download":
        return {"files": len(values), "bytes": sum(values)}
    if workload == "resize":
        check = {"files": len(values), "bytes": sum(size for size, _ in values)}
        decoded = sorted({f"{w}x{h}" for _, (w, h) in values})
        check["decoded"] = decoded[0] if len(decoded) == 1 else decoded
        return check
    if workload == "scrape":
        return {"pages": len(values), "links": sum(v[1] for v in values), "words": sum(v[2] for v in values),
                "title_chars": sum(v[0] for v in values)}
    if workload == "primes":
        return {"primes": sum(values)}
    if workload in ("trivial", "sleep", "roundtrip", "coldstart"):
        return {"sum": sum(values)}
    raise ValueError(workload)


def run(parser, args):
    validate(parser, args)
    if args.workload in IO_WORKLOADS:
        missing = missing_modules(("aiohttp",) if args.approach == "asyncio" else ("requests",))
    elif args.workload == "resize":
        missing = missing_modules(("pil",))
    else:
        missing = []
    if missing:
        return fail_missing(missing)
    raise_open_files_limit()
    if args.target_dir is not None and args.workload in ("download", "resize"):
        os.makedirs(args.target_dir, exist_ok=True)

    config = {"workload": args.workload, "base_url": args.base_url, "source_dir": args.source_dir,
              "target_dir": args.target_dir, "latency": args.latency_ms / 1000.0}
    configure(config)
    if args.workload == "primes":
        items = [args.limit] * args.count
    else:
        items = list(range(args.count))

    extra = {}
    if args.workload == "pending":
        seconds, outcomes, check, peak_kb = run_pending(args.count, args.concurrency)
        extra = {"peak_rss_kb": peak_kb}
    else:
        if args.approach == "serial":
            seconds, outcomes, extra = run_serial(args, items)
        elif args.approach == "threads":
            seconds, outcomes, extra = run_threads(args, items)
        elif args.workload == "roundtrip":
            seconds, outcomes, extra = run_roundtrip(args, items)
        elif args.workload == "coldstart":
            seconds, outcomes, extra = run_coldstart(args, items)
        elif args.approach == "processes":
            seconds, outcomes, extra = run_processes(args, items, config)
        else:
            seconds, outcomes, extra = run_asyncio(args, items)
        check = summarize(args.workload, outcomes)

    errors = [value for kind, value in outcomes if kind != "ok"]
    result = {
        "workload": args.workload,
        "approach": args.approach,
        "concurrency": args.concurrency,
        "chunksize": args.chunksize,
        "count": args.count,
        "seconds": seconds,
        "ok": len(outcomes) - len(errors),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "check": check,
        "peak_rss_kb": status_kb("VmHWM"),
    }
    result.update(extra)
    if result["ok"] + result["errors"] != args.count:
        print(f"scenarios.py: {len(outcomes)} outcomes for {args.count} items", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("probe", help="print the interpreter's and the modules' versions")
    runner = commands.add_parser("run", help="one measured run")
    runner.add_argument("--workload", required=True, choices=sorted(WORKLOAD_APPROACHES))
    runner.add_argument("--approach", required=True, choices=APPROACHES)
    runner.add_argument("--concurrency", type=positive_int,
                        help="workers, threads or semaphore slots (default: cores; pending: count; serial: 1)")
    runner.add_argument("--chunksize", type=positive_int, help="processes only: executor.map chunksize (default 1)")
    runner.add_argument("--count", type=positive_int, help="how many items")
    runner.add_argument("--base-url", help="the server, e.g. http://127.0.0.1:5000 (download, scrape)")
    runner.add_argument("--source-dir", help="where {i}.jpg are read from (resize)")
    runner.add_argument("--target-dir", help="where {i}.jpg are written (download, resize)")
    runner.add_argument("--limit", type=non_negative_int, help="count_primes(limit) per item (primes)")
    runner.add_argument("--latency-ms", type=positive_int, default=50, help="sleep: how long each item waits (default 50)")
    args = parser.parse_args()
    if args.command == "probe":
        return probe()
    return run(runner, args)


if __name__ == "__main__":
    sys.exit(main())
