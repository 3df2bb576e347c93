import Core
import Testing
import Gateway
import TestSupport
import Net
import Storage
import Logging
import Hummingbird
import NIOCore
import HTTPTypes
import Synchronization
import FoundationEssentials

/// Streaming flow control through real curl transfers: a slow reader pauses the upstream,
/// and route entries a provider never listed are skipped (issue 9 item 22).
@Suite struct StreamFlowTests {
    let fetcher: CurlHTTPClient
    init() throws { fetcher = try CurlHTTPClient() }

    /// Bytes a mock upstream has managed to hand to its socket so far.
    final class Progress: Sendable {
        let written = Atomic<Int>(0)
        let finished = Atomic<Bool>(false)
    }

    // 128 MB: more than loopback's kernel buffers can absorb (tcp_rmem max is 32 MB here), so
    // only a paused transfer can stop the upstream before the end.
    static let chunkCount = 8_000
    static let chunkText = String(repeating: "x", count: 16_000)

    /// An OpenAI-format upstream streaming `chunks` × 16,000 characters (~128 MB by default)
    /// of SSE as fast as its socket takes it.
    static func bigStream(_ progress: Progress, chunks: Int = chunkCount) -> @Sendable (MockUpstream, Router<BasicRequestContext>) -> Void {
        { _, router in
            router.get("/v1/models") { _, _ in
                MockUpstream.jsonResponse(["object": "list", "data": [["id": "big", "object": "model", "owned_by": "x", "created": 1]]])
            }
            router.post("/v1/chat/completions") { request, _ -> Response in
                _ = try await request.body.collect(upTo: 1 << 20)
                var headers = HTTPFields()
                headers[.contentType] = "text/event-stream"
                return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                    let frame = #"data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"big","choices":[{"index":0,"delta":{"content":""#
                        + chunkText + #""},"finish_reason":null}]}"# + "\n\n"
                    for _ in 0..<chunks {
                        try await writer.write(ByteBuffer(string: frame))
                        progress.written.add(frame.utf8.count, ordering: .relaxed)
                    }
                    try await writer.write(ByteBuffer(string: #"data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"big","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"# + "\n\ndata: [DONE]\n\n"))
                    progress.finished.store(true, ordering: .relaxed)
                    try await writer.finish(nil)
                })
            }
        }
    }

    /// Waits until `value` stops changing for `quiet` (or `deadline` passes); returns it.
    static func settled(quiet: Duration = .milliseconds(500), deadline: Duration = .seconds(30), _ value: () -> Int) async throws -> Int {
        let end = ContinuousClock.now + deadline
        var last = value()
        var stableSince = ContinuousClock.now
        while ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(50))
            let now = value()
            if now != last { last = now; stableSince = .now } else if ContinuousClock.now - stableSince >= quiet { return now }
        }
        return last
    }

    @Test func aSlowReaderPausesTheUpstreamInsteadOfBuffering() async throws {
        let progress = Progress()
        try await MockUpstream.run(Self.bigStream(progress)) { _, base in
            let database = try await Fixtures.database()
            let gateway = Gateway(configurations: [ProviderConfiguration(name: "big", kind: .openaiCompatible, baseURL: base + "/v1", apiKey: "k")],
                                  fetcher: fetcher, database: database, origin: Fixtures.origin, policy: ClosureAccessPolicy())
            await gateway.discover(logger: Logger(label: "test"))
            let stream = try await gateway.stream(Fixtures.hello("big/big", stream: true), principal: Fixtures.principal)
            var iterator = stream.events.makeAsyncIterator()
            _ = try await iterator.next()
            // The reader now stalls. The upstream must stall too: bounded by curl's pause
            // threshold, the pipe's 64 events and the kernel's socket buffers, far below 128 MB.
            let stalled = try await Self.settled { progress.written.load(ordering: .relaxed) }
            let total = Self.chunkCount * (Self.chunkText.utf8.count + 120)
            let finishedEarly = progress.finished.load(ordering: .relaxed)
            #expect(!finishedEarly, "the upstream wrote everything while nobody read")
            #expect(stalled < total / 2, "upstream wrote \(stalled) of ~\(total) bytes to a reader that stopped")
            // Reading again resumes the transfer (once the kernel's buffers have drained).
            var resumed = false
            for _ in 0..<Self.chunkCount / 100 where !resumed {
                for _ in 0..<100 { _ = try await iterator.next() }
                resumed = progress.written.load(ordering: .relaxed) > stalled
            }
            #expect(resumed, "reading did not resume the upstream")
        }
    }

    /// Streams an answer of `chunks` × 16,000 characters through the gateway, reads it all,
    /// and returns the characters relayed and the response-cache rows written after it.
    func relayedAndCached(chunks: Int) async throws -> (relayed: Int, cached: Int64) {
        let result = Mutex<(relayed: Int, cached: Int64)>((0, -1))
        try await MockUpstream.run(Self.bigStream(Progress(), chunks: chunks)) { _, base in
            let database = try await Fixtures.database()
            let gateway = Gateway(configurations: [ProviderConfiguration(name: "big", kind: .openaiCompatible, baseURL: base + "/v1", apiKey: "k")],
                                  fetcher: fetcher, database: database, origin: Fixtures.origin, policy: ClosureAccessPolicy())
            await gateway.discover(logger: Logger(label: "test"))
            let stream = try await gateway.stream(Fixtures.hello("big/big", stream: true), principal: Fixtures.principal)
            var relayed = 0
            for try await event in stream.events {
                if case .textDelta(let text) = event { relayed += text.utf8.count }
            }
            await database.flushQueuedWrites()
            let cached = try await database.read { try $0.queryOne("SELECT count(*) AS n FROM response_cache")?.int("n") } ?? -1
            result.withLock { $0 = (relayed, cached) }
        }
        return result.withLock { $0 }
    }

    /// The stream's tap keeps at most 256 KB of an answer: a longer one reaches the client
    /// whole but is neither held in memory to the end nor cached; a short one is cached.
    @Test func aLongStreamedAnswerIsRelayedWholeButNotCached() async throws {
        let long = try await relayedAndCached(chunks: 20)
        #expect(long.relayed == 20 * Self.chunkText.utf8.count)
        #expect(long.cached == 0)
        let short = try await relayedAndCached(chunks: 2)
        #expect(short.relayed == 2 * Self.chunkText.utf8.count)
        #expect(short.cached == 1)
    }

    /// Issue 9 item 22: a route entry the provider's successful discovery did not list is
    /// skipped (no failed round trip); when discovery failed it is still tried.
    @Test func routeEntriesAProviderNeverListedAreSkipped() async throws {
        try await MockUpstream.run(MockProviders.openAI) { mock, base in
            let database = try await Fixtures.database()
            let gateway = Gateway(configurations: [ProviderConfiguration(name: "alpha", kind: .openaiCompatible, baseURL: base + "/v1", apiKey: "sk-test")],
                                  fetcher: fetcher, database: database, origin: Fixtures.origin, policy: ClosureAccessPolicy())
            try await gateway.routes.set(.general, models: ["alpha/never-listed", "alpha/gpt-4o-mini"])
            await gateway.discover(logger: Logger(label: "test"))
            let answer = try await gateway.complete(Fixtures.hello("auto"), principal: Fixtures.principal)
            #expect(answer.model == "alpha/gpt-4o-mini")
            #expect(answer.trace.fallbackFrom.isEmpty, "alpha listed its models; never-listed must not be tried: \(answer.trace.header)")
            let chatCalls = mock.requests.filter { $0 == "/v1/chat/completions" }.count
            #expect(chatCalls == 1)
        }
    }

    @Test func unlistedRouteEntriesAreStillTriedWhenDiscoveryNeverSucceeded() async throws {
        try await MockUpstream.run(MockProviders.openAI) { mock, base in
            let database = try await Fixtures.database()
            let gateway = Gateway(configurations: [ProviderConfiguration(name: "alpha", kind: .openaiCompatible, baseURL: base + "/v1", apiKey: "sk-test")],
                                  fetcher: fetcher, database: database, origin: Fixtures.origin, policy: ClosureAccessPolicy())
            try await gateway.routes.set(.general, models: ["alpha/gpt-4o-mini"])
            // No discovery ran: the entry passes through to the configured provider.
            let answer = try await gateway.complete(Fixtures.hello("auto"), principal: Fixtures.principal)
            #expect(answer.model == "alpha/gpt-4o-mini")
            #expect(mock.requests.contains("/v1/chat/completions"))
        }
    }
}
