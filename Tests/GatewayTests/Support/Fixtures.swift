import Core
import Gateway
import Net
import Storage
import TestSupport

enum Fixtures {
    static func database() async throws -> Database {
        try await Database(path: TemporaryDirectory.make() + "/triforce.db")
    }

    static let origin = ReplicaOrigin(nodeID: "test-node", clock: HybridClock())
    static let principal = Principal.guest(address: "127.0.0.1")

    static func hello(_ model: String, stream: Bool = false) -> ChatRequest {
        ChatRequest(model: model, messages: [ChatMessage(role: .system, text: "Be brief."), ChatMessage(role: .user, text: "Say hello")], stream: stream)
    }

    static func withTool(_ model: String) -> ChatRequest {
        var request = hello(model)
        request.tools = [ToolDefinition(name: "get_weather", description: "Weather", parameters: ["type": "object", "properties": ["city": ["type": "string"]]])]
        return request
    }

    static func collect(_ stream: AsyncThrowingStream<ChatEvent, any Error>) async throws -> [ChatEvent] {
        var events: [ChatEvent] = []
        for try await event in stream { events.append(event) }
        return events
    }
}
