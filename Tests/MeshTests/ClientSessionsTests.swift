import Core
import Logging
@testable import Mesh
import Net
import Synchronization
import Testing

/// Client sessions without sockets: registration limits and checks, a call answered by the
/// client over its transport, and a call failing at once when the connection closes.
@Suite("Client sessions")
struct ClientSessionsTests {
    let admin = Principal(subject: "usr_admin", tier: "unlimited", isAdmin: true, method: .apiKey)

    /// Frames the node sent to the client.
    final class Outbox: Sendable {
        let frames = Mutex<[JSONValue]>([])
        var transport: ClosureTransport {
            ClosureTransport(peerID: "client", send: { text in
                if let value = JSONValue.parse(text) { self.frames.withLock { $0.append(value) } }
                return true
            })
        }
        var last: JSONValue? { frames.withLock { $0.last } }
    }

    /// Polls `condition` until it holds (a generous deadline for a loaded machine).
    static func waitFor(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition() {
            guard ContinuousClock.now < deadline else { Issue.record("condition never held"); return }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    func registration(_ session: String, tools: [JSONValue]) throws -> ClientRegistration {
        try ClientRegistration.parse(["session_id": .string(session), "tools": .array(tools)], limits: ClientSessionLimits())
    }

    @Test func definitionsAreCheckedBeforeAnythingIsStored() {
        let limits = ClientSessionLimits()
        #expect(throws: JSONRPCError.self) { try ClientRegistration.parse(["session_id": "has.dot", "tools": []], limits: limits) }
        #expect(throws: JSONRPCError.self) { try ClientRegistration.parse(["session_id": "s", "tools": ["a", "a"]], limits: limits) }
        #expect(throws: JSONRPCError.self) {
            try ClientRegistration.parse(["session_id": "s", "tools": [["name": "x", "description": .string(String(repeating: "d", count: 5000))]]],
                                         limits: limits)
        }
        #expect(throws: JSONRPCError.self) {
            try ClientRegistration.parse(["session_id": "s", "tools": [["name": "x", "inputSchema": ["type": "object", "required": "a"]]]],
                                         limits: limits)
        }
        let tooMany = JSONValue.array((0..<65).map { .string("t\($0)") })
        do {
            _ = try ClientRegistration.parse(["session_id": "s", "tools": tooMany], limits: limits)
            Issue.record("65 tools were accepted")
        } catch {
            #expect(error.code == ClientSessions.limitCode)
        }
        let bare = try? ClientRegistration.parse(["session_id": "s", "tools": ["custom_tool"], "tier": "pro"], limits: limits)
        #expect(bare?.tools.first?.inputSchema == ClientToolDefinition.openSchema && bare?.requestedTier == "pro")
    }

    @Test func sessionsPerPrincipalAreBounded() async throws {
        var limits = ClientSessionLimits()
        limits.sessionsPerPrincipal = 2
        let sessions = ClientSessions(limits: limits, logger: Logger(label: "test"))
        var outcomes: [Bool] = []
        for index in 0..<3 {
            let connection = await sessions.connect(Outbox().transport)
            let result = await sessions.register(try registration("s\(index)", tools: ["t"]), principal: admin, connection: connection)
            if case .success = result { outcomes.append(true) } else { outcomes.append(false) }
        }
        #expect(outcomes == [true, true, false])
        #expect(await sessions.all.map(\.id) == ["s0", "s1"])
    }

    @Test func aCallGoesToTheClientAndItsAnswerComesBack() async throws {
        let sessions = ClientSessions(logger: Logger(label: "test"))
        let outbox = Outbox()
        let connection = await sessions.connect(outbox.transport)
        _ = await sessions.register(try registration("c", tools: ["echo"]), principal: admin, connection: connection)
        let call = Task { await sessions.call(session: "c", tool: "echo", arguments: ["x": 1]) }
        try await Self.waitFor { outbox.last != nil }
        let request = outbox.last
        #expect(request?["method"] == "tools/call" && request?["params"]?["name"] == "echo")
        // Another connection cannot answer it.
        let intruder = await sessions.connect(Outbox().transport)
        await sessions.response(id: request?["id"] ?? .null, result: ["content": [], "isError": true], error: nil, connection: intruder)
        await sessions.response(id: request?["id"] ?? .null, result: ["content": [["type": "text", "text": "1"]], "isError": false],
                                error: nil, connection: connection)
        let result = try await call.value.get()
        #expect(result["isError"] == false)
    }

    @Test func closingTheConnectionFailsWaitingCallsAndDropsTheTools() async throws {
        let sessions = ClientSessions(logger: Logger(label: "test"))
        let outbox = Outbox()
        let connection = await sessions.connect(outbox.transport)
        _ = await sessions.register(try registration("c", tools: ["slow"]), principal: admin, connection: connection)
        let call = Task { await sessions.call(session: "c", tool: "slow", arguments: [:], timeout: .seconds(600)) }
        try await Self.waitFor { outbox.last != nil }
        await sessions.disconnect(connection)
        guard case .failure(let error) = await call.value else {
            Issue.record("the call did not fail")
            return
        }
        #expect(error.message.contains("closed before it answered"))
        #expect(await sessions.all.isEmpty)
    }

    @Test func aDuplicatedIdempotencyKeyRunsOnce() async {
        let cache = IdempotencyCache(capacity: 16)
        let runs = Mutex(0)
        let work: @Sendable () async -> Result<JSONValue, JSONRPCError> = {
            runs.withLock { $0 += 1 }
            return .success("ran")
        }
        async let first = cache.run("node-a|k1", work)
        async let second = cache.run("node-a|k1", work)
        let results = await [first, second]
        #expect(results.allSatisfy { (try? $0.get()) == "ran" })
        #expect(runs.withLock { $0 } == 1)
        _ = await cache.run("node-a|k2", work)
        #expect(runs.withLock { $0 } == 2)
    }
}
