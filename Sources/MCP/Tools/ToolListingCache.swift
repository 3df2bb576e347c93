public import Core
public import Net
import Synchronization

/// The tools one caller may see and their `tools/list` entries, in registration order,
/// with each page's entries already encoded as a JSON array (page `n` starts at tool
/// `n * pageSize`).
public struct ToolListing: Sendable {
    public let tools: [any Tool]
    public let entries: [JSONValue]
    public let encodedPages: [[UInt8]]
}

/// `tools/list` built once per set of permitted features and reused: a tier's listing is
/// the same for every caller of that tier (and of any tier granting the same features),
/// so schemas are assembled once, not per request. Keyed by the feature set rather than
/// the tier name, an admin's edit to a tier takes effect on the next call without any
/// invalidation. Bounded: at most `limit` sets (there are only a few distinct ones).
public final class ToolListingCache: Sendable {
    private let tools: [any Tool]
    private let entries: [JSONValue]
    /// Each tool's input schema, built once (tools compute theirs on every access).
    private let schemas: [JSONValue]
    private let byName: [String: Int]
    private let cached = Mutex<[Set<Feature>: ToolListing]>([:])
    private let pageSize: Int
    static let limit = 64

    init(tools: [any Tool], pageSize: Int) {
        self.tools = tools
        self.pageSize = max(1, pageSize)
        entries = tools.map(\.listing)
        schemas = tools.map(\.inputSchema)
        var byName: [String: Int] = [:]
        for (index, tool) in tools.enumerated() where byName[tool.name] == nil { byName[tool.name] = index }
        self.byName = byName
    }

    /// The first tool registered under `name`.
    func tool(named name: String) -> (any Tool)? { byName[name].map { tools[$0] } }

    /// The tool registered under `name` with its input schema.
    func toolAndSchema(named name: String) -> (tool: any Tool, schema: JSONValue)? {
        byName[name].map { (tools[$0], schemas[$0]) }
    }

    func listing(for permitted: Set<Feature>) -> ToolListing {
        if let hit = cached.withLock({ $0[permitted] }) { return hit }
        var visible: [any Tool] = []
        var visibleEntries: [JSONValue] = []
        for (tool, entry) in zip(tools, entries) where permitted.contains(tool.feature) {
            visible.append(tool)
            visibleEntries.append(entry)
        }
        let pages = stride(from: 0, to: max(visibleEntries.count, 1), by: pageSize).map { start in
            JSONSerializer.serialize(.array(Array(visibleEntries[start..<min(visibleEntries.count, start + pageSize)])))
        }
        let listing = ToolListing(tools: visible, entries: visibleEntries, encodedPages: pages)
        cached.withLock { cache in
            if cache.count >= Self.limit { cache.removeAll() }
            cache[permitted] = listing
        }
        return listing
    }
}
