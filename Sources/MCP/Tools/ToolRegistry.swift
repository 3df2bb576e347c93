public import Core
import FoundationEssentials
public import Net
public import Storage
import Logging
import HTTPTypes
public import Telemetry

/// The tools this node serves, in registration order. Lists them in pages behind opaque
/// cursors, validates arguments, gates each call on the caller's tier and audits it.
public struct ToolRegistry: Sendable {
    public let tools: [any Tool]
    public let pageSize: Int
    let policy: any AccessPolicy
    let audit: AuditStore?
    /// Calls by tool and outcome (`/metrics`).
    let metrics: ToolMetrics
    /// Tools from elsewhere (client sessions, other nodes), listed after the local ones.
    public let sources: [any ToolSource]
    /// The distinct features the tools need: a caller's permissions are resolved per
    /// feature (a handful of policy checks), not per tool.
    let features: [Feature]
    let listings: ToolListingCache

    public init(tools: [any Tool], policy: any AccessPolicy, audit: AuditStore?, pageSize: Int = 20, sources: [any ToolSource] = [],
                metrics: ToolMetrics = ToolMetrics(registry: MetricsRegistry())) {
        self.tools = tools
        self.metrics = metrics
        self.policy = policy
        self.audit = audit
        self.pageSize = max(1, pageSize)
        self.sources = sources
        var seen: Set<Feature> = []
        features = tools.map(\.feature).filter { seen.insert($0).inserted }
        listings = ToolListingCache(tools: tools, pageSize: self.pageSize)
    }

    /// A local tool.
    public func tool(named name: String) -> (any Tool)? { listings.tool(named: name) }

    /// A local tool, else the first source's tool of that name: a local name always wins.
    public func resolve(_ name: String) async -> (any Tool)? {
        if let local = tool(named: name) { return local }
        for source in sources {
            if let tool = await source.tool(named: name) { return tool }
        }
        return nil
    }

    /// A tool with the schema to validate its arguments against: local ones from the
    /// listing cache (built once), others as their source has them now.
    func resolveWithSchema(_ name: String) async -> (tool: any Tool, schema: JSONValue)? {
        if let local = listings.toolAndSchema(named: name) { return local }
        for source in sources {
            if let tool = await source.tool(named: name) { return (tool, tool.inputSchema) }
        }
        return nil
    }

    /// Local tools, then each source's tools whose names are not taken yet.
    public func allTools() async -> [any Tool] {
        guard !sources.isEmpty else { return tools }
        return tools + (await sourcedTools(for: nil))
    }

    /// The sources' tools whose names no local tool (or earlier source) took; with a
    /// principal, only those it may call.
    private func sourcedTools(for principal: Principal?) async -> [any Tool] {
        var names = Set(tools.map(\.name))
        var extra: [any Tool] = []
        for source in sources {
            for tool in await source.tools() where names.insert(tool.name).inserted {
                if let principal, !(await allows(tool.feature, principal)) { continue }
                extra.append(tool)
            }
        }
        return extra
    }

    /// One page of the tools `principal` may call, and the cursor of the next page (nil at
    /// the end). A cursor is opaque to clients; a forged one is an invalid-params error.
    public func list(cursor: String?, principal: Principal) async throws(JSONRPCError) -> (tools: [any Tool], nextCursor: String?) {
        let page = try await page(cursor: cursor, principal: principal)
        return (Array(page.listing.tools[page.range]), page.nextCursor)
    }

    /// One page of `tools/list` as its JSON entries, from the listing built once for the
    /// caller's set of permitted features (shared by every tier granting the same set).
    public func listEntries(cursor: String?, principal: Principal) async throws(JSONRPCError) -> (entries: ArraySlice<JSONValue>, nextCursor: String?) {
        let page = try await page(cursor: cursor, principal: principal)
        return (page.listing.entries[page.range], page.nextCursor)
    }

    /// The same page with its entries already encoded as a JSON array (built once per
    /// feature set and page, like the entries).
    public func listEncoded(cursor: String?, principal: Principal) async throws(JSONRPCError)
        -> (entries: ArraySlice<JSONValue>, encoded: [UInt8], nextCursor: String?) {
        let page = try await page(cursor: cursor, principal: principal)
        let encoded: [UInt8]
        if page.range.lowerBound % pageSize == 0, page.range.lowerBound / pageSize < page.listing.encodedPages.count {
            encoded = page.listing.encodedPages[page.range.lowerBound / pageSize]
        } else {
            // A cursor at an offset we never hand out (still valid: any offset in range).
            encoded = JSONSerializer.serialize(.array(Array(page.listing.entries[page.range])))
        }
        return (page.listing.entries[page.range], encoded, page.nextCursor)
    }

    private func page(cursor: String?, principal: Principal) async throws(JSONRPCError) -> (listing: ToolListing, range: Range<Int>, nextCursor: String?) {
        var permitted: Set<Feature> = []
        for feature in features where await allows(feature, principal) { permitted.insert(feature) }
        var listing = listings.listing(for: permitted)
        // Tools from sessions and other nodes change at any time: appended per request,
        // after the cached local listing (whose encoded pages then no longer apply).
        if !sources.isEmpty {
            let extra = await sourcedTools(for: principal)
            if !extra.isEmpty {
                listing = ToolListing(tools: listing.tools + extra, entries: listing.entries + extra.map(\.listing), encodedPages: [])
            }
        }
        var start = 0
        if let cursor {
            guard let offset = Self.decodeCursor(cursor), offset >= 0, offset <= listing.tools.count else {
                throw JSONRPCError.invalidParams("invalid cursor; pass back nextCursor exactly as received")
            }
            start = offset
        }
        let end = min(listing.tools.count, start + pageSize)
        return (listing, start..<end, end < listing.tools.count ? Self.encodeCursor(end) : nil)
    }

    /// Runs a tool. Unknown tools are a protocol error; everything about the call itself
    /// (bad arguments, refusal, failure) is a result with `isError: true`.
    public func call(name: String, arguments: JSONValue?, context: ToolContext) async throws(JSONRPCError) -> ToolResult {
        guard let (tool, schema) = await resolveWithSchema(name) else {
            // One label for every unknown name: callers choose names, the label set stays fixed.
            metrics.call(tool: "unknown", outcome: "rejected")
            throw JSONRPCError.invalidParams("unknown tool: \(name); call tools/list for the available tools")
        }
        let arguments = arguments ?? .object([:])
        let started = ContinuousClock.now
        let result: ToolResult
        var cancelled = false
        do {
            try await policy.require(tool.feature, for: context.principal)
            let problems = SchemaValidator.validate(arguments, against: schema)
            if problems.isEmpty {
                result = try await tool.call(arguments.objectValue ?? [:], context: context)
            } else {
                result = .error("invalid arguments for \(name): " + problems.joined(separator: "; "))
            }
        } catch let error as APIError {
            // The kind survives: a refusal, a rate limit, an unknown model and an upstream
            // failure need different reactions from the caller.
            result = .error(Self.describe(error))
        } catch let error as ToolError {
            result = .error(error.message)
        } catch is CancellationError {
            cancelled = true
            result = .error("cancelled")
        } catch {
            // Unexpected errors may carry absolute paths, SQL or library dumps: they go to the
            // node's log, the caller gets the tool name and a short reason only.
            context.logger.error("tool failed", metadata: ["tool": "\(name)", "error": "\(error)"])
            result = .error("\(name) failed with an internal error; the node's log has the details")
        }
        metrics.call(tool: tool.name, outcome: cancelled ? "cancelled" : result.isError ? "error" : "ok")
        await record(tool: name, arguments: arguments, principal: context.principal, origin: context.origin, started: started, result: result)
        return result
    }

    static func describe(_ error: APIError) -> String {
        switch error.status.code {
        case 401, 403: "permission denied: \(error.message)"
        case 429: "rate limited: \(error.message)"
        case 404: "not found: \(error.message)"
        case 400, 413, 422: "invalid request: \(error.message)"
        default: "upstream failure (\(error.code)): \(error.message)"
        }
    }

    func allows(_ feature: Feature, _ principal: Principal) async -> Bool {
        do { try await policy.require(feature, for: principal); return true } catch { return false }
    }

    private func record(tool: String, arguments: JSONValue, principal: Principal, origin: String?, started: ContinuousClock.Instant,
                        result: ToolResult) async {
        guard let audit else { return }
        let elapsed = ContinuousClock.now - started
        let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        let outcome = result.isError ? "error: " + String((result.text.first ?? "").prefix(200)) : "ok"
        // The digest identifies repeated calls without storing arguments (they may hold secrets).
        try? await audit.record(actor: principal.subject, action: "mcp.tool", target: tool,
                                detail: "sha256:" + SHA256.hexHash(Array(arguments.jsonText.utf8)) + (origin.map { " origin=" + $0 } ?? ""),
                                outcome: outcome,
                                durationMilliseconds: milliseconds)
    }

    static func encodeCursor(_ offset: Int) -> String {
        Data("tools:\(offset)".utf8).base64EncodedString()
    }

    static func decodeCursor(_ cursor: String) -> Int? {
        guard let data = Data(base64Encoded: cursor) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard text.hasPrefix("tools:") else { return nil }
        return Int(text.dropFirst(6))
    }
}
