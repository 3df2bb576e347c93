public import Core
import Net

/// The seam between the MCP chat tools and the gateway (module Gateway implements it; the
/// lead wires it). `task` asks the gateway to route by kind of work ("code", "reasoning",
/// "creative", "fast", ...) when no model is named.
public protocol ChatBackend: Sendable {
    func complete(model: String?, task: String?, messages: [ChatMessage], principal: Principal) async throws -> ChatCompletion
    func listModels(principal: Principal) async throws -> [ModelDescriptor]
}

public struct ChatMessage: Sendable, Equatable {
    public var role: String
    public var content: String
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// The answer and where it came from (`route`: provider, fallback, local, peer, offline).
public struct ChatCompletion: Sendable, Equatable {
    public var text: String
    public var model: String
    public var route: String
    public init(text: String, model: String, route: String) {
        self.text = text
        self.model = model
        self.route = route
    }
}

/// A backend made of closures: tests, and wiring before the gateway lands.
public struct ClosureChatBackend: ChatBackend {
    let completeBody: @Sendable (String?, String?, [ChatMessage], Principal) async throws -> ChatCompletion
    let modelsBody: @Sendable (Principal) async throws -> [ModelDescriptor]

    public init(complete: @escaping @Sendable (String?, String?, [ChatMessage], Principal) async throws -> ChatCompletion,
                models: @escaping @Sendable (Principal) async throws -> [ModelDescriptor] = { _ in [] }) {
        self.completeBody = complete
        self.modelsBody = models
    }

    public func complete(model: String?, task: String?, messages: [ChatMessage], principal: Principal) async throws -> ChatCompletion {
        try await completeBody(model, task, messages, principal)
    }

    public func listModels(principal: Principal) async throws -> [ModelDescriptor] { try await modelsBody(principal) }
}
