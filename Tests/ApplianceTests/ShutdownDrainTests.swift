@testable import Appliance
import Testing
import Net
import Storage
import Hummingbird
import NIOCore
import HTTPTypes
import Synchronization
import FoundationEssentials
import Glibc
import TestSupport

/// Issue 10: SIGTERM drains open streams within the grace period. A real `triforce serve`
/// relays a stream the mock upstream sends slowly; SIGTERM arrives mid-stream; the client
/// still receives the end of the stream, the process exits 0, and the usage row is there.
@Suite struct ShutdownDrainTests {
    /// Content chunks the slow upstream sends, one every `chunkGap`: ~3 s of streaming after
    /// the signal, well inside the 60 s grace this test configures.
    static let chunks = 30
    static let chunkGap = Duration.milliseconds(100)

    /// OpenAI's streaming wire format, slowly, ending with usage and `[DONE]`.
    static let slowOpenAI: @Sendable (MockUpstream, Router<BasicRequestContext>) -> Void = { _, router in
        router.get("/slow/v1/models") { _, _ in
            MockUpstream.jsonResponse(["object": "list", "data": [["id": "slow-model", "object": "model", "owned_by": "x", "created": 1]]])
        }
        router.post("/slow/v1/chat/completions") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 20)
            @Sendable func frame(_ json: JSONValue) -> ByteBuffer { ByteBuffer(string: "data: \(json.jsonText)\n\n") }
            @Sendable func chunk(_ delta: JSONValue, finish: JSONValue = .null) -> ByteBuffer {
                frame(["id": "x", "object": "chat.completion.chunk", "created": 1, "model": "slow-model",
                       "choices": [["index": 0, "delta": delta, "finish_reason": finish]]])
            }
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                try await writer.write(chunk(["role": "assistant", "content": ""]))
                for index in 0..<chunks {
                    try await writer.write(chunk(["content": .string("w\(index) ")]))
                    try await Task.sleep(for: chunkGap)
                }
                try await writer.write(chunk([:], finish: "stop"))
                try await writer.write(frame(["id": "x", "object": "chat.completion.chunk", "created": 1, "model": "slow-model",
                                              "choices": [], "usage": ["prompt_tokens": 5, "completion_tokens": .int(Int64(chunks)), "total_tokens": .int(Int64(chunks + 5))]]))
                try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                try await writer.finish(nil)
            })
        }
    }

    @Test func sigtermDrainsAnOpenStream() async throws {
        try #require(FileManager.default.fileExists(atPath: HotPathTests.binary), "build the triforce binary first")
        try await MockUpstream.run(Self.slowOpenAI) { _, base in
            let dir = TemporaryDirectory.make()
            #expect(try await HotPathTests.triforce(["init"], dir: dir).status == 0)
            let key = try await HotPathTests.triforce(["key", "create", "admin@localhost"], dir: dir).stdout
                .split(separator: "\n").last.map(String.init) ?? ""
            let server = try Subprocess.Running.spawn(
                [HotPathTests.binary, "serve", "--port", "0", "--data-dir", dir],
                environment: ["PATH": "/usr/bin:/bin", "GROQ_API_KEY": "sk-test", "GROQ_BASE_URL": base + "/slow/v1",
                              "OLLAMA_BASE_URL": "http://127.0.0.1:1", "TRIFORCE_SHUTDOWN_GRACE": "60"])
            defer { server.signal(SIGKILL) }
            let port = Task { () -> Int? in
                while let line = await server.readLine(fd: server.stderrFD) {
                    if line.contains("listening"),
                       let port = line.split(separator: " ").last(where: { $0.hasPrefix("port=") }).flatMap({ Int($0.dropFirst(5)) }) {
                        return port
                    }
                }
                return nil
            }
            let api = try #require(await port.value, "server did not start")
            let drainLog = Task { while await server.readLine(fd: server.stderrFD) != nil {} }
            defer { drainLog.cancel() }
            // Discovery runs at start; wait until the slow model is routable.
            #expect(try await HotPathTests.eventually(deadline: .seconds(60)) {
                let models = try await Curl.request("http://127.0.0.1:\(api)/v1/models", headers: ["Authorization": "Bearer \(key)"])
                return models.body.contains("groq/slow-model")
            }, "the slow model was never discovered")

            let client = try Subprocess.Running.spawn(
                ["curl", "-sN", "-X", "POST", "-H", "Content-Type: application/json", "-H", "Authorization: Bearer \(key)", "--data-binary",
                 #"{"model":"groq/slow-model","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}"#,
                 "http://127.0.0.1:\(api)/v1/chat/completions"])
            defer { client.signal(SIGKILL) }
            // Signal once the client holds the first content chunk: the stream is open.
            var received: [String] = []
            while let line = await client.readLine(fd: client.stdoutFD) {
                received.append(line)
                if line.contains("w0 ") { break }
            }
            try #require(received.contains { $0.contains("w0 ") }, "the stream never started: \(received)")
            server.signal(SIGTERM)

            let rest = await client.readAll(fd: client.stdoutFD)
            #expect(await client.wait() == 0)
            #expect(rest.contains("w\(Self.chunks - 1) "), "the client lost the end of the stream")
            #expect(rest.hasSuffix("data: [DONE]\n\n"), "the stream did not end properly: \(rest.suffix(200))")
            #expect(await server.wait() == 0, "the server did not exit cleanly after draining")

            let database = try await Database(path: dir + "/triforce.db")
            let usage = try await database.read {
                try $0.queryOne("SELECT requests, completion_tokens FROM usage_daily WHERE model = 'groq/slow-model'")
            }
            await database.close()
            #expect(usage?.int("requests") == 1, "no usage row for the drained stream")
            #expect(usage?.int("completion_tokens") == Int64(Self.chunks))
        }
    }
}
