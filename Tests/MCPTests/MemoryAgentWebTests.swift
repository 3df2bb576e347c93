import Core
import Testing
import MCP
import Net
import Storage
import Hummingbird
import NIOCore
import Logging
import FoundationEssentials
import TestSupport

@Suite("Memory, agents and web tools")
struct MemoryAgentWebTests {
    @Test func memoryStoreSearchClearPerOwner() async throws {
        try await MCPTestServer.run { server in
            let alice = "alice:pro"
            _ = try await server.call("memory_store", ["content": "The deploy key rotates every Friday", "type": "fact", "tags": ["ops", "Keys"]], user: alice)
            _ = try await server.call("memory_store", ["content": "We decided to deploy with blue green", "type": "decision", "confidence": 0.4], user: alice)
            _ = try await server.call("memory_store", ["content": "Shared: deploy window is 9-17", "scope": "shared"], user: alice)
            _ = try await server.call("memory_store", ["content": "Bob's private deploy note"], user: "bob:pro")
            let hits = try await server.call("memory_search", ["query": "deploy"], user: alice)
            let results = hits["result"]?["structuredContent"]?["results"]?.arrayValue ?? []
            #expect(results.count == 3)
            #expect(!hits.toolText.contains("Bob"))
            #expect(hits.toolText.contains("[deploy]"))
            let facts = try await server.call("memory_search", ["query": "deploy", "type": ["fact"], "tags": ["keys"]], user: alice)
            #expect(facts["result"]?["structuredContent"]?["count"] == 1)
            let confident = try await server.call("memory_search", ["query": "deploy", "min_confidence": 0.5], user: alice)
            #expect(confident["result"]?["structuredContent"]?["count"] == 2)
            let unconfirmed = try await server.call("memory_clear", ["confirm": false], user: alice)
            #expect(unconfirmed.toolIsError && unconfirmed.toolText.contains("confirm"))
            let cleared = try await server.call("memory_clear", ["confirm": true, "type": ["decision"]], user: alice)
            #expect(cleared["result"]?["structuredContent"]?["removed"] == 1)
            let sharedByPro = try await server.call("memory_clear", ["confirm": true, "scope": "shared"], user: alice)
            #expect(sharedByPro.toolIsError)
            let guest = try await server.call("memory_search", ["query": "deploy"], user: nil)
            #expect(guest.toolText.contains("permission denied"))
            // Expired notes are not found (one expired a second ago, stored as MemoryStore
            // stores times: milliseconds), live ones are: no sleeping on a clock.
            let store = MemoryStore(database: server.database, origin: ReplicaOrigin(nodeID: "n", clock: HybridClock()))
            _ = try await store.store(owner: "carol", kind: .todo, content: "ephemeral live reminder", ttlSeconds: 60)
            let past = MemoryStore.nowMilliseconds() - 1_000
            try await server.database.write { connection in
                _ = try connection.run("""
                    INSERT INTO memory_notes(id, owner, type, content, tags, confidence, created_at, expires_at, hlc, origin)
                    VALUES ('gone', 'carol', 'todo', 'ephemeral expired reminder', '', 1.0, ?, ?, 1, 'n')
                    """, past - 60_000, past)
            }
            let live = try await store.search("ephemeral", owners: ["carol"])
            #expect(live.map(\.note.content) == ["ephemeral live reminder"])
        }
    }

    @Test func agentsRunWithPromptAsOneArgumentThroughTheQueue() async throws {
        let directory = TemporaryDirectory.make()
        let database = try await Database(path: directory + "/t.db")
        let store = AgentStore(database: database, origin: ReplicaOrigin(nodeID: "n", clock: HybridClock()))
        try await store.save(.init(name: "echo", argv: ["/bin/sh", "-c", "printf '%s|' \"$@\"", "sh", "{prompt}"]))
        try await store.save(.init(name: "plain", argv: ["/bin/echo", "plain:"]))
        // Ends only by the 1 s timeout: a `sleep 5` could exit on its own first when the runner's
        // poll loop was starved for seconds on a loaded machine (it then reported exit 0).
        try await store.save(.init(name: "slow", argv: ["/bin/sh", "-c", "sleep 600", "sh"], timeoutSeconds: 1))
        let workspace = try Workspace(root: directory + "/ws")
        let queue = AgentQueue(limit: 1)
        let tools = AgentTools.all(store: store, queue: queue, workspace: workspace)
        let registry = ToolRegistry(tools: tools, policy: ClosureAccessPolicy(), audit: nil)
        let context = ToolContext(principal: Principal(subject: "u", tier: "pro", method: .token))
        // A prompt full of shell syntax arrives as one literal argument.
        let hostile = "x; rm -rf / $(id) `whoami` 'q'"
        let call = try await registry.call(name: "agent_call", arguments: ["agent": "echo", "prompt": .string(hostile)], context: context)
        #expect(call.text.first == "\(hostile)|")
        let plain = try await registry.call(name: "agent_call", arguments: ["agent": "plain", "prompt": "hi there"], context: context)
        #expect(plain.text.first == "plain: hi there")
        let slow = try await registry.call(name: "agent_call", arguments: ["agent": "slow", "prompt": "x"], context: context)
        #expect(slow.isError && slow.text.first?.contains("timed out") == true, "\(slow.text)")
        let broadcast = try await registry.call(name: "agent_broadcast", arguments: ["prompt": "p", "agents": ["echo", "plain"]], context: context)
        #expect(broadcast.structuredContent?["answers"]?.arrayValue?.count == 2)
        #expect(await queue.active == 0)
        #expect(try await store.remove("slow"))
        #expect(try await store.list().map(\.name) == ["echo", "plain"])
        let missing = try await registry.call(name: "agent_call", arguments: ["agent": "slow", "prompt": "x"], context: context)
        #expect(missing.isError)
        await database.close()
    }

    @Test func crawlFollowsSameSiteLinksAndRefusesRedirectToLoopback() async throws {
        // A real site on 127.0.0.2 (allow-listed for the test) that links on-site and redirects to 127.0.0.1.
        let router = Router()
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html"],
                     body: .init(byteBuffer: ByteBuffer(string: "<title>Home</title><p>Welcome</p><a href='/about'>About</a><a href='http://other.example/'>x</a>")))
        }
        router.get("/about") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html"], body: .init(byteBuffer: ByteBuffer(string: "<title>About</title><p>We crawl.</p>")))
        }
        try await LiveServer.run(router, host: "127.0.0.2") { port in
            let trap = Router()
            trap.get("/") { _, _ in Response(status: .found, headers: [.location: "http://127.0.0.1:\(port)/"]) }
            try await LiveServer.run(trap, host: "127.0.0.2") { trapPort in
                let fetcher = try CurlHTTPClient()
                let tools = WebTools.all(fetcher: fetcher, searxngURL: nil, guard: SSRFGuard(allowlist: ["127.0.0.2"]))
                let registry = ToolRegistry(tools: tools, policy: ClosureAccessPolicy(), audit: nil)
                let context = ToolContext(principal: Principal(subject: "u", tier: "pro", method: .token))
                let crawl = try await registry.call(name: "crawl", arguments: ["url": .string("http://127.0.0.2:\(port)/"), "max_pages": 5], context: context)
                #expect(!crawl.isError, "\(crawl.text)")
                let pages = crawl.structuredContent?["pages"]?.arrayValue ?? []
                #expect(pages.compactMap { $0["title"]?.stringValue } == ["Home", "About"])
                let redirected = try await registry.call(name: "crawl", arguments: ["url": .string("http://127.0.0.2:\(trapPort)/")], context: context)
                #expect(redirected.isError)
                #expect(redirected.text.first?.contains("SSRF") == true)
                let direct = try await registry.call(name: "crawl", arguments: ["url": .string("http://127.0.0.1:\(port)/")], context: context)
                #expect(direct.isError && direct.text.first?.contains("SSRF") == true)
                let search = try await registry.call(name: "search", arguments: ["query": "x"], context: context)
                #expect(search.isError && search.text.first?.contains("SEARXNG_URL") == true)
            }
        }
    }

    @Test func searchReadsSearXNGJSON() async throws {
        let router = Router()
        router.get("/search") { request, _ in
            let q = request.uri.queryParameters.get("q") ?? ""
            let body: JSONValue = ["results": [["title": .string("About \(q)"), "url": "https://example.org/a", "content": "snippet"]]]
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body.encoded())))
        }
        try await LiveServer.run(router) { port in
            let tools = WebTools.all(fetcher: try CurlHTTPClient(), searxngURL: "http://127.0.0.1:\(port)/", guard: SSRFGuard())
            let registry = ToolRegistry(tools: tools, policy: ClosureAccessPolicy(), audit: nil)
            let result = try await registry.call(name: "search", arguments: ["query": "swift mcp"],
                                                 context: ToolContext(principal: Principal(subject: "u", tier: "pro", method: .token)))
            #expect(result.structuredContent?["results"]?[0]?["title"] == "About swift mcp")
        }
    }

    @Test func chatToolsGoThroughTheBackendSeam() async throws {
        let backend = ClosureChatBackend(complete: { model, task, messages, principal in
            ChatCompletion(text: "echo: \(messages.last?.content ?? "") for \(principal.subject)", model: model ?? "auto/\(task?.rawValue ?? "general")", route: "primary")
        }, models: { _ in [ModelDescriptor(id: "openai/gpt-x", provider: "openai", capabilities: ["chat"])] })
        let registry = ToolRegistry(tools: ChatTools.all(backend: backend), policy: ClosureAccessPolicy(), audit: nil)
        let context = ToolContext(principal: Principal.guest(address: "1.2.3.4"))
        let chat = try await registry.call(name: "chat", arguments: ["prompt": "hi"], context: context)
        #expect(chat.text.first == "echo: hi for guest:1.2.3.4")
        let specialist = try await registry.call(name: "specialist", arguments: ["task": "code", "prompt": "x"], context: context)
        #expect(specialist.structuredContent?["model"] == "auto/code")
        // One vocabulary: every gateway task is offered and reachable; others are refused.
        for task in TaskKind.allCases {
            let answer = try await registry.call(name: "specialist", arguments: ["task": .string(task.rawValue), "prompt": "x"], context: context)
            #expect(answer.structuredContent?["model"] == .string("auto/\(task.rawValue)"))
        }
        let unknown = try await registry.call(name: "specialist", arguments: ["task": "vision", "prompt": "x"], context: context)
        #expect(unknown.isError)
        let models = try await registry.call(name: "models", arguments: nil, context: context)
        #expect(models.text.first == "openai/gpt-x")
    }
}
