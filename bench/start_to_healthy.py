"""Time from exec to the first 200 on /health, over N fresh data dirs. Prints median and max."""
import os, socket, statistics, subprocess, sys, tempfile, time, urllib.request

binary, runs = sys.argv[1], int(sys.argv[2])
times = []
for _ in range(runs):
    with tempfile.TemporaryDirectory() as d:
        s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
        start = time.perf_counter()
        p = subprocess.Popen([binary, "serve", "--port", str(port), "--data-dir", d, "--log-level", "error"])
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except Exception:
                time.sleep(0.002)
            if time.perf_counter() - start > 10:
                raise SystemExit("node did not become healthy in 10 s")
        times.append((time.perf_counter() - start) * 1000)
        p.terminate(); p.wait()
print(f"start to healthy (fresh data dir, {runs} runs): median {statistics.median(times):.0f} ms, max {max(times):.0f} ms")
