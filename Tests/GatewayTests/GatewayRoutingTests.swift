import Core
import Testing
import Gateway
import TestSupport
import Net
import Storage
import Logging
import FoundationEssentials

/// Routing, fallback, circuit breaking and the offline chain through real mock upstreams.
@Suite struct GatewayRoutingTests {
    let fetcher: CurlHTTPClient
    init() throws { fetcher = try CurlHTTPClient() }

    func gateway(_ configurations: [ProviderConfiguration], database: Database,
                 health: UpstreamHealth = UpstreamHealth(), policy: any AccessPolicy = ClosureAccessPolicy()) async -> Gateway {
        let gateway = Gateway(configurations: configurations, fetcher: fetcher, database: database, origin: Fixtures.origin,
                              health: health, policy: policy)
        await gateway.discover(logger: Logger(label: "test"))
        return gateway
    }

    static func openAICompatible(_ name: String, _ base: String) -> ProviderConfiguration {
        ProviderConfiguration(name: name, kind: .openaiCompatible, baseURL: base + "/v1", apiKey: "sk-test")
    }

    @Test func fallsBackInRouteOrderAndNamesTheRoute() async throws {
        try await MockUpstream.run(MockProviders.openAI) { first, firstBase in
            try await MockUpstream.run(MockProviders.openAI) { second, secondBase in
                let database = try await Fixtures.database()
                let gateway = await gateway([Self.openAICompatible("alpha", firstBase), Self.openAICompatible("beta", secondBase)], database: database)
                try await gateway.routes.set(.general, models: ["alpha/gpt-4o-mini", "beta/gpt-4o-mini"])
                first.update { $0.behavior = .status(503, retryAfter: nil) }
                second.update { $0.reply = "from beta" }
                let answer = try await gateway.complete(Fixtures.hello("auto"), principal: Fixtures.principal)
                #expect(answer.model == "beta/gpt-4o-mini")
                #expect(answer.response.message.text == "from beta")
                #expect(answer.trace.header == "beta/gpt-4o-mini; task=general; fallback-from=alpha/gpt-4o-mini")
                let streamed = try await gateway.stream(Fixtures.hello("task:general", stream: true), principal: Fixtures.principal)
                #expect(streamed.trace.fallbackFrom == ["alpha/gpt-4o-mini"])
                _ = try await Fixtures.collect(streamed.events)
                // Stream usage is written just after the stream ends, off the client's path.
                var usage = try await database.read { try $0.queryOne("SELECT requests, prompt_tokens FROM usage_daily WHERE model = 'beta/gpt-4o-mini'") }
                for _ in 0..<50 where usage?.int("requests") != 2 {
                    try await Task.sleep(for: .milliseconds(100))
                    usage = try await database.read { try $0.queryOne("SELECT requests, prompt_tokens FROM usage_daily WHERE model = 'beta/gpt-4o-mini'") }
                }
                #expect(usage?.int("requests") == 2)
                #expect(usage?.int("prompt_tokens") == 22)
                #expect(first.violations.isEmpty && second.violations.isEmpty)
            }
        }
    }

    @Test func bareIdResolvesAndRefusedModelIs403() async throws {
        try await MockUpstream.run(MockProviders.openAI) { _, base in
            let database = try await Fixtures.database()
            let policy = ClosureAccessPolicy(mayUse: { model, _ in model.provider != "closed" })
            let gateway = await gateway([Self.openAICompatible("open", base), Self.openAICompatible("closed", base)], database: database, policy: policy)
            let answer = try await gateway.complete(Fixtures.hello("gpt-4o-mini"), principal: Fixtures.principal)
            #expect(answer.model == "open/gpt-4o-mini")
            await #expect { try await gateway.complete(Fixtures.hello("closed/gpt-4o-mini"), principal: Fixtures.principal) } throws: { error in
                (error as? APIError)?.code == "model_not_allowed"
            }
            await #expect { try await gateway.complete(Fixtures.hello("nope/never"), principal: Fixtures.principal) } throws: { error in
                (error as? APIError)?.code == "model_not_found"
            }
        }
    }

    @Test func circuitOpensHonoursRetryAfterAndProbes() async throws {
        let health = UpstreamHealth(settings: .init(failureThreshold: 2, cooldown: .seconds(30)))
        let start = ContinuousClock.now
        let failure = ProviderError(.upstream, provider: "p", status: 503, message: "down")
        #expect(health.acquire("p/m", provider: "p", now: start))
        health.failed("p/m", error: failure, now: start)
        #expect(health.state("p/m", now: start) == .closed)
        #expect(health.acquire("p/m", provider: "p", now: start))
        health.failed("p/m", error: failure, now: start)
        #expect(health.state("p/m", now: start) == .open)
        #expect(health.acquire("p/m", provider: "p", now: start + .seconds(10)) == false)
        // Half-open: exactly one probe passes.
        #expect(health.acquire("p/m", provider: "p", now: start + .seconds(31)))
        #expect(health.acquire("p/m", provider: "p", now: start + .seconds(31)) == false)
        health.succeeded("p/m", latency: .milliseconds(5))
        #expect(health.state("p/m") == .closed)
        // 429 with Retry-After opens for exactly that long, on the first failure.
        #expect(health.acquire("q/m", provider: "q", now: start))
        health.failed("q/m", error: ProviderError(.rateLimited, provider: "q", status: 429, retryAfter: .seconds(120), message: "slow down"), now: start)
        #expect(health.state("q/m", now: start + .seconds(100)) == .open)
        #expect(health.state("q/m", now: start + .seconds(121)) == .halfOpen)
        // 401 marks the provider misconfigured: all its models are skipped.
        health.failed("r/m", error: ProviderError(.unauthorized, provider: "r", status: 401, message: "bad key"))
        #expect(health.acquire("r/other", provider: "r") == false)
        #expect(health.misconfiguration("r") == "bad key")
    }

    @Test func misconfiguredProviderShowsInModels() async throws {
        try await MockUpstream.run(MockProviders.openAI) { mock, base in
            let database = try await Fixtures.database()
            let gateway = await gateway([Self.openAICompatible("alpha", base)], database: database)
            mock.update { $0.behavior = .status(401, retryAfter: nil) }
            let answer = try await gateway.complete(Fixtures.hello("alpha/gpt-4o-mini"), principal: Fixtures.principal)
            #expect(answer.model == "triforce/offline")
            let models = try await gateway.listModels()
            #expect(models.first { $0.id == "alpha/gpt-4o-mini" }?.status == "misconfigured")
            #expect(await gateway.providerReport().healthy == false)
        }
    }

    @Test func midStreamFailureEndsWithAnError() async throws {
        try await MockUpstream.run(MockProviders.openAI) { mock, base in
            let database = try await Fixtures.database()
            let gateway = await gateway([Self.openAICompatible("alpha", base)], database: database)
            mock.update { $0.behavior = .cutMidStream }
            let stream = try await gateway.stream(Fixtures.hello("alpha/gpt-4o-mini", stream: true), principal: Fixtures.principal)
            #expect(stream.model == "alpha/gpt-4o-mini")
            await #expect { _ = try await Fixtures.collect(stream.events) } throws: { error in
                (error as? ProviderError)?.code == .interrupted
            }
        }
    }

    @Test func droppingTheStreamCancelsTheUpstream() async throws {
        try await MockUpstream.run(MockProviders.openAI) { mock, base in
            let database = try await Fixtures.database()
            let gateway = await gateway([Self.openAICompatible("alpha", base)], database: database)
            mock.update { $0.behavior = .hang }
            let stream = try await gateway.stream(Fixtures.hello("alpha/gpt-4o-mini", stream: true), principal: Fixtures.principal)
            let reader = Task { for try await _ in stream.events {} }
            try await Task.sleep(for: .milliseconds(200))
            reader.cancel()
            _ = try? await reader.value
            var aborted = false
            for _ in 0..<600 where !aborted {  // up to 60 s on a loaded machine
                try await Task.sleep(for: .milliseconds(100))
                aborted = mock.update { $0.aborted }
            }
            #expect(aborted, "the mock upstream never saw the transfer aborted")
        }
    }

    @Test func offlineChainUsesCacheThenTheOfflineResponder() async throws {
        try await MockUpstream.run(MockProviders.openAI) { mock, base in
            let database = try await Fixtures.database()
            _ = try await database.write { connection in
                try connection.run("INSERT INTO memory_notes (id, owner, type, content, tags, created_at, hlc, origin) VALUES ('n1', 'shared', 'fact', 'The backup server is named kestrel.', 'backup', 0, 1, 'x')")
            }
            let gateway = await gateway([Self.openAICompatible("alpha", base)], database: database)
            let first = try await gateway.complete(Fixtures.hello("alpha/gpt-4o-mini"), principal: Fixtures.principal)
            #expect(first.response.message.text == "Hello from the mock")
            mock.update { $0.behavior = .status(500, retryAfter: nil) }
            let cached = try await gateway.complete(Fixtures.hello("alpha/gpt-4o-mini"), principal: Fixtures.principal)
            #expect(cached.trace.cached)
            #expect(cached.response.message.text == "Hello from the mock")
            #expect(cached.trace.header.hasSuffix("; cached"))
            var question = Fixtures.hello("alpha/gpt-4o-mini")
            question.messages[1] = ChatMessage(role: .user, text: "What is the backup server called?")
            let offline = try await gateway.complete(question, principal: Fixtures.principal)
            #expect(offline.model == "triforce/offline")
            #expect(offline.response.message.text.contains("not from a language model"))
            #expect(offline.response.message.text.contains("kestrel"))
            #expect(offline.response.message.text.contains("alpha/gpt-4o-mini"))
        }
    }

    @Test func noProvidersStillAnswers() async throws {
        let database = try await Fixtures.database()
        let gateway = await gateway([], database: database)
        let stream = try await gateway.stream(Fixtures.hello("auto", stream: true), principal: Fixtures.principal)
        #expect(stream.model == "triforce/offline")
        let text = try await ChatResponse.collect(stream.events, model: stream.model).message.text
        #expect(text.contains("No provider is configured"))
    }

    @Test func classifierAndRoutes() async throws {
        #expect(TaskClassifier.classify(ChatRequest(model: "auto", messages: [ChatMessage(role: .user, text: "Fix this python function: def f(x): return x +")])) == .code)
        #expect(TaskClassifier.classify(ChatRequest(model: "auto", messages: [ChatMessage(role: .user, text: "Write a poem about the sea")])) == .creative)
        #expect(TaskClassifier.classify(ChatRequest(model: "auto", messages: [ChatMessage(role: .user, text: "Solve the equation 3x + 4 = 19")])) == .math)
        #expect(TaskClassifier.classify(ChatRequest(model: "auto", messages: [ChatMessage(role: .user, text: "hi there")])) == .general)
        let store = RouteStore(database: try await Fixtures.database(), origin: Fixtures.origin)
        #expect(try await store.route(for: .code).stored == false)
        try await store.set(.code, models: ["groq/x"])
        #expect(try await store.route(for: .code).models == ["groq/x"])
        try await store.reset(.code)
        #expect(try await store.route(for: .code).models == RouteStore.defaults[.code])
    }
}
