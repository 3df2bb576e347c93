import Core
import Logging
@testable import Mesh
import Net
import Synchronization
import Testing

/// Two federations over an in-process link: the catalog travels, a change is pushed and
/// fetched, hostile entries are refused, and a forwarded call carries the caller and runs
/// once per idempotency key on the owner.
@Suite("Tool federation")
struct ToolFederationTests {
    final class Box: Sendable {
        let catalog = Mutex<[JSONValue]>([])
        let calls = Mutex<[(String, Principal, String)]>([])
    }

    func federation(_ service: MeshService, box: Box) -> ToolFederation {
        ToolFederation(service: service, logger: Logger(label: "test"), catalog: { box.catalog.withLock { $0 } },
                       execute: { name, _, principal, origin in
                           box.calls.withLock { $0.append((name, principal, origin)) }
                           return .success(["content": [["type": "text", "text": .string("ran " + name)]], "isError": false])
                       })
    }

    func entry(_ name: String, _ description: String, session: String? = nil) -> JSONValue {
        RemoteToolEntry.catalogEntry(name: name, description: description, inputSchema: ["type": "object"], feature: "mesh", session: session)
    }

    @Test func catalogsTravelChangesArePushedAndCallsRunOnce() async throws {
        let pair = await MeshCallTests.Pair.make()
        let boxA = Box(), boxB = Box()
        boxA.catalog.withLock {
            $0 = [entry("local_tool", "first"), entry("s1.custom", "from a client", session: "s1"),
                  entry("bad name!", "refused"), entry("s2.x", "not under its session", session: "s3")]
        }
        let a = federation(pair.a, box: boxA), b = federation(pair.b, box: boxB)
        await a.start()
        await b.start()
        await b.fetch("node-a")
        #expect(await b.tools.map(\.name) == ["local_tool", "s1.custom"])

        // A changed description is pushed (mesh/tools.changed) and fetched again.
        boxA.catalog.withLock { $0[0] = entry("local_tool", "second") }
        await a.localChanged()
        let deadline = ContinuousClock.now + .seconds(30)
        while await b.tools.first?.description != "second", ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(2))
        }
        #expect(await b.tools.first?.description == "second")

        let caller = Principal(subject: "usr_1", tier: "pro", method: .apiKey)
        let tool = try #require(await b.tools.first { $0.name == "s1.custom" })
        let result = await b.call(tool, arguments: ["x": 1], principal: caller, deadline: .seconds(30))
        #expect((try? result.get())?["content"]?[0]?["text"] == "ran s1.custom")
        let recorded = boxA.calls.withLock { $0 }
        #expect(recorded.count == 1 && recorded[0].1.subject == "usr_1" && recorded[0].1.tier == "pro" && recorded[0].2 == "node-b")

        // The same key again (a duplicated frame) is answered without a second run.
        let params: JSONValue = ["name": "s1.custom", "principal": caller.meshJSON, "key": "fixed-key"]
        _ = await a.answerCall(params, caller: .member("node-b"))
        _ = await a.answerCall(params, caller: .member("node-b"))
        #expect(boxA.calls.withLock { $0.count } == 2)
        // Only members forward.
        let refused = await a.answerCall(params, caller: .client("cli"))
        #expect((try? refused.get()) == nil)
    }
}
