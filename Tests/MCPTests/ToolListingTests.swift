import Core
import Testing
@testable import MCP
import Net
import Synchronization

/// Issue 10: `tools/list` is built once per set of permitted features and reused, and a
/// tier edit still shows on the very next call (the cache is keyed by what the tier grants,
/// so there is nothing to invalidate).
@Suite("MCP tool listing cache")
struct ToolListingTests {
    final class Grants: Sendable {
        let features = Mutex<Set<Feature>>([.chat])
    }

    static func tool(_ name: String, _ feature: Feature) -> any Tool {
        ClosureTool(name: name, description: "the \(name) tool", feature: feature, annotations: .readOnlyLocal,
                    schema: InputSchema.object(["x": InputSchema.string("an x")])) { _, _ in .text(name) }
    }

    @Test func listingFollowsTheTierAndMatchesEachToolsOwnEntry() async throws {
        let grants = Grants()
        let policy = ClosureAccessPolicy(require: { feature, _ in
            guard grants.features.withLock({ $0.contains(feature) }) else { throw APIError.forbidden("no \(feature)") }
        })
        let tools = [Self.tool("a", .chat), Self.tool("b", .memory), Self.tool("c", .chat), Self.tool("d", .web)]
        let registry = ToolRegistry(tools: tools, policy: policy, audit: nil, pageSize: 10)
        let caller = Principal(subject: "u1", tier: "free", method: .apiKey)

        let first = try await registry.listEntries(cursor: nil, principal: caller)
        #expect(first.entries.map { $0["name"]?.stringValue } == ["a", "c"])
        #expect(Array(first.entries) == [tools[0].listing, tools[2].listing])
        #expect(first.nextCursor == nil)
        // The same answer again (from the cache) for another caller with the same grants.
        let other = try await registry.listEntries(cursor: nil, principal: Principal(subject: "u2", tier: "free", method: .apiKey))
        #expect(Array(other.entries) == Array(first.entries))

        // An admin adds a feature to the tier: the next call shows it, in registration order.
        grants.features.withLock { $0 = [.chat, .memory, .web] }
        let widened = try await registry.listEntries(cursor: nil, principal: caller)
        #expect(widened.entries.map { $0["name"]?.stringValue } == ["a", "b", "c", "d"])
        let paged = try await ToolRegistry(tools: tools, policy: policy, audit: nil, pageSize: 3).listEntries(cursor: nil, principal: caller)
        #expect(paged.entries.count == 3 && paged.nextCursor != nil)

        // The bytes spliced from the cache are exactly what encoding the whole reply gives.
        let encoded = try await registry.listEncoded(cursor: nil, principal: caller)
        #expect(encoded.encoded == JSONSerializer.serialize(.array(Array(widened.entries))))
        for id: JSONValue in [7, "req-1", .null] {
            for fields: [String: JSONValue] in [[:], ["nextCursor": "abc", "resultType": "complete", "ttlMs": 60_000, "cacheScope": "private"]] {
                var result = fields
                result["tools"] = .array(Array(widened.entries))
                #expect(MCPServer.encodeResult(id: id, fields: fields, splicing: "tools", encoded.encoded)
                        == JSONSerializer.serialize(JSONRPC.result(id: id, .object(result))))
            }
        }
        let pagedEncoded = try await ToolRegistry(tools: tools, policy: policy, audit: nil, pageSize: 3)
            .listEncoded(cursor: paged.nextCursor, principal: caller)
        #expect(pagedEncoded.encoded == JSONSerializer.serialize([tools[3].listing]))

        grants.features.withLock { $0 = [] }
        #expect(try await registry.listEntries(cursor: nil, principal: caller).entries.isEmpty)
        #expect(registry.tool(named: "d")?.name == "d")
        #expect(registry.tool(named: "zz") == nil)
    }
}
