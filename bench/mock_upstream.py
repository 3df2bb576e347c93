"""Bench helpers: static OpenAI-format files for nginx, a slow streaming upstream that holds
connections open, and a swarm of streaming clients. Loopback only; bounded in time."""
import asyncio, json, os, sys, time


def write_static(directory):
    chat = {"id": "chatcmpl-bench", "object": "chat.completion", "created": 1, "model": "bench-model",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "pong"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}
    open(f"{directory}/chat.json", "w").write(json.dumps(chat))
    models = {"object": "list", "data": [{"id": "bench-model", "object": "model", "created": 1, "owned_by": "bench"},
                                         {"id": "slow-model", "object": "model", "created": 1, "owned_by": "bench"}]}
    open(f"{directory}/models.json", "w").write(json.dumps(models))
    # A large registry (OpenRouter alone lists hundreds): the same bench-model among 1,000.
    big = {"object": "list", "data": [{"id": "bench-model", "object": "model", "created": 1, "owned_by": "bench"}]
           + [{"id": f"vendor-{i % 37}/model-{i}-{'coder' if i % 5 == 0 else 'chat'}-{i % 9}b", "object": "model",
               "created": 1, "owned_by": "bench"} for i in range(999)]}
    open(f"{directory}/models1000.json", "w").write(json.dumps(big))
    with open(f"{directory}/stream.txt", "w") as f:
        for i in range(2000):
            chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "bench-model",
                     "choices": [{"index": 0, "delta": {"content": "x"}, "finish_reason": None}]}
            f.write("data: " + json.dumps(chunk) + "\n\n")
        done = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "bench-model",
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        f.write("data: " + json.dumps(done) + "\n\ndata: [DONE]\n\n")


async def slow_upstream(port):
    """OpenAI-compatible: /v1/models, and streams that send one chunk per second for 60 s."""
    async def handle(reader, writer):
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if length:
                await reader.readexactly(length)
            if head.startswith(b"GET /v1/models"):
                body = json.dumps({"object": "list", "data": [{"id": "slow-model", "object": "model", "created": 1, "owned_by": "bench"}]}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
                await writer.drain()
                return
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
            for _ in range(60):
                chunk = {"id": "s", "object": "chat.completion.chunk", "created": 1, "model": "slow-model",
                         "choices": [{"index": 0, "delta": {"content": "."}, "finish_reason": None}]}
                writer.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
                await writer.drain()
                await asyncio.sleep(1)
        except Exception:
            pass
        finally:
            writer.close()
    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=4096)
    async with server:
        await asyncio.sleep(300)


async def clients(port, key, count):
    # PROMPT_BYTES: a longer prompt, to see what a stream holds of its request.
    prompt = "hi" + " word" * (int(os.environ.get("PROMPT_BYTES", "0")) // 5)
    body = json.dumps({"model": "groq/slow-model", "stream": True, "messages": [{"role": "user", "content": prompt}]}).encode()

    async def one():
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Authorization: Bearer " + key.encode() + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            await writer.drain()
            end = time.time() + 40
            while time.time() < end and await reader.read(4096):
                pass
        except Exception:
            pass
    await asyncio.gather(*(one() for _ in range(count)))


def keepalive(port, key, count, model, pid):
    """`count` streamed answers one after another on one keep-alive connection, read whole;
    prints the node's RSS (MB) after the first answer and after the last, connection open."""
    import http.client
    def rss():
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    body = json.dumps({"model": model, "stream": True, "messages": [{"role": "user", "content": "hi"}]})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    first = None
    for _ in range(count):
        connection.request("POST", "/v1/chat/completions", body, {"Authorization": "Bearer " + key, "Content-Type": "application/json"})
        response = connection.getresponse()
        data = response.read()
        if response.status != 200 or b"[DONE]" not in data:
            sys.exit(f"bad answer {response.status}: {data[:200]!r}")
        first = first or rss()
    print(first, rss())
    connection.close()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "write-static":
        write_static(sys.argv[2])
    elif mode == "slow":
        asyncio.run(slow_upstream(int(sys.argv[2])))
    elif mode == "clients":
        asyncio.run(clients(int(sys.argv[2]), sys.argv[3], int(sys.argv[4])))
    elif mode == "keepalive":
        keepalive(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5], int(sys.argv[6]))
