/// A capability a tier may or may not include. Tiers store their features by raw value.
public struct Feature: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let chat = Feature(rawValue: "chat")
    public static let memory = Feature(rawValue: "memory")
    public static let agents = Feature(rawValue: "agents")
    public static let code = Feature(rawValue: "code")        // read code/files in the workspace
    public static let codeWrite = Feature(rawValue: "code_write")
    public static let web = Feature(rawValue: "web")          // search and crawl
    public static let shell = Feature(rawValue: "shell")
    public static let mesh = Feature(rawValue: "mesh")
    public static let admin = Feature(rawValue: "admin")

    public var description: String { rawValue }
}

/// What the gateway and MCP know about a model when asking whether a caller may use it.
public struct ModelDescriptor: Sendable, Equatable {
    public var id: String            // provider/upstream-id
    public var provider: String
    public var capabilities: [String]
    /// Served on this node without an upstream (Ollama, a local OpenAI-compatible runtime).
    public var isLocal: Bool

    public init(id: String, provider: String, capabilities: [String] = [], isLocal: Bool = false) {
        self.id = id
        self.provider = provider
        self.capabilities = capabilities
        self.isLocal = isLocal
    }
}

/// The seam between authorization (the Auth module implements it) and the features that
/// consult it (gateway, MCP, admin). Every decision for a caller goes through one value.
public protocol AccessPolicy: Sendable {
    /// Throws `APIError` 403 naming the tier when the caller's tier lacks `feature`
    /// (and 403 for admin-only features when the caller is not an admin).
    func require(_ feature: Feature, for principal: Principal) async throws
    /// Whether the caller's tier may use `model`. Routing skips models this refuses; an
    /// explicit request for one gets 403 naming the tier.
    func mayUse(_ model: ModelDescriptor, principal: Principal) async -> Bool
    /// The caller's model rule, resolved once (one tier lookup) and then applied to many
    /// models: routing checks every candidate of a request through one gate.
    func modelGate(for principal: Principal) async -> ModelGate
}

extension AccessPolicy {
    /// Asks `mayUse` per model; implementations with a cheaper answer override this.
    public func modelGate(for principal: Principal) async -> ModelGate {
        ModelGate { model in await self.mayUse(model, principal: principal) }
    }
}

/// One caller's model decision, resolved once per request (see `AccessPolicy.modelGate`).
public struct ModelGate: Sendable {
    let check: @Sendable (ModelDescriptor) async -> Bool

    public init(_ check: @escaping @Sendable (ModelDescriptor) async -> Bool) { self.check = check }

    public func allows(_ model: ModelDescriptor) async -> Bool { await check(model) }
}

/// A policy made of closures, for tests and for wiring before auth exists.
public struct ClosureAccessPolicy: AccessPolicy {
    let requireFeature: @Sendable (Feature, Principal) async throws -> Void
    let mayUseModel: @Sendable (ModelDescriptor, Principal) async -> Bool

    public init(require: @escaping @Sendable (Feature, Principal) async throws -> Void = { _, _ in },
                mayUse: @escaping @Sendable (ModelDescriptor, Principal) async -> Bool = { _, _ in true }) {
        self.requireFeature = require
        self.mayUseModel = mayUse
    }

    public func require(_ feature: Feature, for principal: Principal) async throws { try await requireFeature(feature, principal) }
    public func mayUse(_ model: ModelDescriptor, principal: Principal) async -> Bool { await mayUseModel(model, principal) }
}
