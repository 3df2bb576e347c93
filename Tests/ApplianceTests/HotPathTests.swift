@testable import Appliance
import Core
import Testing
import Net
import Storage
import Gateway
import Auth
import Hummingbird
import NIOCore
import HTTPTypes
import Synchronization
import FoundationEssentials
import Glibc
import TestSupport

/// Issue 10's behaviour tests (not timed): snapshots follow other processes' writes, the
/// write-behind queue loses nothing on SIGTERM, a client disconnect aborts the upstream;
/// and issue 9 item 23: `triforce provider` reaches a running server.
@Suite struct HotPathTests {
    static let binary = FileManager.default.currentDirectoryPath + "/.build/debug/triforce"

    static func triforce(_ args: [String], dir: String, environment: [String: String] = [:], input: String? = nil) async throws -> Subprocess.Output {
        try await Subprocess.run([binary] + args + ["--data-dir", dir], input: input,
                                 environment: ["PATH": "/usr/bin:/bin"].merging(environment) { $1 }, timeout: .seconds(60))
    }

    static func chat(_ node: TestNode, key: String, model: String) async throws -> CurlResponse {
        try await Curl.request("\(node.baseURL)/v1/chat", method: "POST", headers: ["Content-Type": "application/json", "Authorization": "Bearer \(key)"],
                               body: #"{"stream":false,"model":"\#(model)","messages":[{"role":"user","content":"hello"}]}"#)
    }

    /// An API key of the first admin (unlimited tier: no model cap, no hourly limit).
    static func adminKey(_ node: TestNode) async throws -> String {
        _ = try await node.node.auth.ensureFirstAdmin()
        return try await node.node.auth.keys.create(email: "admin@localhost").secret
    }

    /// Polls `condition` every 100 ms until it holds or `deadline` passes (generous: a loaded
    /// machine; the mechanism itself polls every 250 ms).
    static func eventually(deadline: Duration = .seconds(15), _ condition: () async throws -> Bool) async throws -> Bool {
        let end = ContinuousClock.now + deadline
        while ContinuousClock.now < end {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }

    @Test func providerAddedByTheCLIIsUsedByARunningServerAndRemovedAgain() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.binary), "build the triforce binary first")
        try await MockUpstream.run(MockProviders.openAI) { mock, base in
            try await TestNode.run(environment: ["OLLAMA_BASE_URL": "http://127.0.0.1:1"]) { node in
                let dir = node.node.configuration.dataDirectory
                let key = try await Self.adminKey(node)
                #expect(try await Self.chat(node, key: key, model: "vllm/gpt-4o-mini").status == 404)
                // The key travels by environment variable name, never argv.
                let added = try await Self.triforce(["provider", "add", "vllm", base + "/v1", "--key-env", "MOCK_KEY"], dir: dir,
                                                    environment: ["MOCK_KEY": "sk-test"])
                #expect(added.status == 0, "\(added.stderr)")
                #expect(!added.stdout.contains("sk-test"))
                #expect(try await Self.eventually { try await Self.chat(node, key: key, model: "vllm/gpt-4o-mini").json?["model"] == "vllm/gpt-4o-mini" },
                        "the running server never routed to the provider added by the CLI")
                #expect(mock.violations.isEmpty, "\(mock.violations)")
                let list = try await Self.triforce(["provider", "list"], dir: dir)
                #expect(list.stdout.contains("vllm\topenai-compatible\t\(base)/v1\tkey set"))
                #expect(!list.stdout.contains("sk-test"))
                let fromStdin = try await Self.triforce(["provider", "add", "other", base + "/v1", "--key-stdin"], dir: dir, input: "sk-other\n")
                #expect(fromStdin.status == 0, "\(fromStdin.stderr)")
                let bad = try await Self.triforce(["provider", "add", "bad/name", base], dir: dir)
                #expect(bad.status != 0 && bad.stderr.contains("provider name"))
                #expect(try await Self.triforce(["provider", "remove", "vllm"], dir: dir).status == 0)
                #expect(try await Self.eventually { try await Self.chat(node, key: key, model: "vllm/gpt-4o-mini").status == 404 },
                        "a removed provider is still served")
            }
        }
    }

    @Test func routeSetByTheCLIIsSeenByARunningServer() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.binary), "build the triforce binary first")
        try await MockUpstream.run(MockProviders.openAI) { _, base in
            try await TestNode.run(environment: ["OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": base + "/v1", "OLLAMA_BASE_URL": "http://127.0.0.1:1"]) { node in
                let dir = node.node.configuration.dataDirectory
                let before = node.node.database.generation
                let set = try await Self.triforce(["route", "set", "math", "openai/gpt-4o-mini"], dir: dir)
                #expect(set.status == 0, "\(set.stderr)")
                // No local write happened: only the data_version poll can notice the CLI's commit.
                #expect(try await Self.eventually { node.node.database.generation != before })
                #expect(try await node.gateway.routes.route(for: .math).models == ["openai/gpt-4o-mini"])
            }
        }
    }

    /// A client that hangs up, before the first token or after it: the gateway aborts the
    /// upstream transfer (the mock sees its connection closed while it was still streaming).
    /// Before, the attempt is cancelled; after, the client's writer is waiting on the upstream
    /// read itself, and the connection's close aborts that read.
    @Test(arguments: [false, true]) func clientDisconnectAbortsTheUpstream(afterFirstToken: Bool) async throws {
        let aborted = AbortFlag()
        let streaming = AbortFlag()
        let pinging: @Sendable (MockUpstream, Router<BasicRequestContext>) -> Void = { mock, router in
            MockProviders.openAI(mock, router)
            router.post("/slow/v1/chat/completions") { request, _ -> Response in
                _ = try await request.body.collect(upTo: 1 << 20)
                var headers = HTTPFields()
                headers[.contentType] = "text/event-stream"
                return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                    do {
                        if afterFirstToken {
                            let chunk = #"{"id":"c1","object":"chat.completion.chunk","created":1,"model":"slow-model","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}"#
                            try await writer.write(ByteBuffer(string: "data: \(chunk)\n\n"))
                        }
                        // Then comments only: no further event reaches the gateway's client.
                        for _ in 0..<1_200 {
                            try await writer.write(ByteBuffer(string: ": thinking\n\n"))
                            streaming.value.store(true, ordering: .relaxed)
                            try await Task.sleep(for: .milliseconds(50))
                        }
                    } catch {
                        aborted.value.store(true, ordering: .relaxed)
                        throw error
                    }
                    try await writer.finish(nil)
                })
            }
            router.get("/slow/v1/models") { _, _ in
                MockUpstream.jsonResponse(["object": "list", "data": [["id": "slow-model", "object": "model", "owned_by": "x", "created": 1]]])
            }
        }
        try await MockUpstream.run(pinging) { _, base in
            try await TestNode.run(environment: ["GROQ_API_KEY": "sk-test", "GROQ_BASE_URL": base + "/slow/v1",
                                                 "OLLAMA_BASE_URL": "http://127.0.0.1:1"]) { node in
                let key = try await Self.adminKey(node)
                let client = try Subprocess.Running.spawn(
                    ["curl", "-sN", "-X", "POST", "-H", "Content-Type: application/json", "-H", "Authorization: Bearer \(key)", "--data-binary",
                     #"{"model":"groq/slow-model","stream":true,"messages":[{"role":"user","content":"hi"}]}"#,
                     "\(node.baseURL)/v1/chat/completions"])
                // Hang up once the upstream is streaming (a condition, not a fixed sleep: under
                // load curl may not even have connected after half a second).
                #expect(try await Self.eventually(deadline: .seconds(60)) { streaming.value.load(ordering: .relaxed) },
                        "the upstream never started streaming")
                if afterFirstToken {
                    // The stream is committed once the token is through (bounded: the mock
                    // ends its answer after a minute, and then the pipe ends).
                    var line = await client.readLine(fd: client.stdoutFD)
                    while let current = line, !current.contains("Hel") { line = await client.readLine(fd: client.stdoutFD) }
                    #expect(line != nil, "the client never got the first token")
                }
                client.signal(SIGKILL)
                _ = await client.wait()
                #expect(try await Self.eventually(deadline: .seconds(60)) { aborted.value.load(ordering: .relaxed) },
                        "the upstream transfer was not aborted after the client went away")
            }
        }
    }

    /// Usage rows are written behind the response; SIGTERM must still leave every one in
    /// the database (the queue drains before SQLite closes).
    @Test func everyUsageRowIsThereAfterSIGTERM() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.binary), "build the triforce binary first")
        try await MockUpstream.run(MockProviders.openAI) { _, base in
            let dir = TemporaryDirectory.make()
            #expect(try await Self.triforce(["init"], dir: dir).status == 0)
            let key = try await Self.triforce(["key", "create", "admin@localhost"], dir: dir).stdout
                .split(separator: "\n").last.map(String.init) ?? ""
            let server = try Subprocess.Running.spawn(
                [Self.binary, "serve", "--port", "0", "--data-dir", dir],
                environment: ["PATH": "/usr/bin:/bin", "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": base + "/v1",
                              "OLLAMA_BASE_URL": "http://127.0.0.1:1"])
            defer { server.signal(SIGKILL) }
            let port = Task { () -> Int? in
                while let line = await server.readLine(fd: server.stderrFD) {
                    if line.contains("triforce: listening") || line.contains("listening") {
                        if let port = line.split(separator: " ").last(where: { $0.hasPrefix("port=") }).flatMap({ Int($0.dropFirst(5)) }) { return port }
                    }
                }
                return nil
            }
            let api = try #require(await port.value, "server did not start")
            let drain = Task { while await server.readLine(fd: server.stderrFD) != nil {} }
            let requests = 30
            for _ in 0..<requests {
                let response = try await Curl.request("http://127.0.0.1:\(api)/v1/chat/completions", method: "POST",
                                                      headers: ["Content-Type": "application/json", "Authorization": "Bearer \(key)"],
                                                      body: #"{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}"#)
                #expect(response.status == 200)
            }
            server.signal(SIGTERM)
            #expect(await server.wait() == 0)
            drain.cancel()
            let database = try await Database(path: dir + "/triforce.db")
            let counted = try await database.read {
                try $0.scalar("SELECT coalesce(sum(requests), 0) FROM usage_daily WHERE model = 'openai/gpt-4o-mini'")?.int64
            }
            await database.close()
            #expect(counted == Int64(requests))
        }
    }
}

/// Set by a mock when its client went away (Atomic is not copyable: it lives in a class).
final class AbortFlag: Sendable {
    let value = Atomic<Bool>(false)
}
