import Core
import Net

/// `chat`, `specialist` and `models`, through the gateway's `ChatBackend`.
public enum ChatTools {
    static let tasks = ["code", "reasoning", "creative", "fast", "vision", "general"]

    public static func all(backend: any ChatBackend) -> [any Tool] {
        [
            ClosureTool(name: "chat", description: "Ask a language model through the node's gateway (fallbacks included).",
                        feature: .chat, annotations: ToolAnnotations(readOnly: true, openWorld: true),
                        schema: InputSchema.object([
                            "prompt": InputSchema.string("the user message", minLength: 1, maxLength: 200_000),
                            "model": InputSchema.string("model id (default: the gateway's choice)", maxLength: 200),
                            "system": InputSchema.string("system prompt", maxLength: 50_000),
                        ], required: ["prompt"])) { arguments, context in
                try await answer(backend, model: arguments["model"]?.stringValue, task: nil, arguments: arguments, context: context)
            },
            ClosureTool(name: "specialist", description: "Ask the model the gateway picks for a kind of task: code, reasoning, creative, fast, vision, general.",
                        feature: .chat, annotations: ToolAnnotations(readOnly: true, openWorld: true),
                        schema: InputSchema.object([
                            "task": InputSchema.string("kind of work", enum: tasks),
                            "prompt": InputSchema.string("the user message", minLength: 1, maxLength: 200_000),
                            "system": InputSchema.string("system prompt", maxLength: 50_000),
                        ], required: ["task", "prompt"])) { arguments, context in
                try await answer(backend, model: nil, task: arguments["task"]?.stringValue, arguments: arguments, context: context)
            },
            ClosureTool(name: "models", description: "Models this caller may use, with provider and capabilities.",
                        feature: .chat, annotations: .readOnlyLocal, schema: InputSchema.object([:])) { _, context in
                let models = try await backend.listModels(principal: context.principal)
                let list: [JSONValue] = models.map {
                    ["id": .string($0.id), "provider": .string($0.provider),
                     "capabilities": .array($0.capabilities.map { .string($0) }), "local": .bool($0.isLocal)]
                }
                return ToolResult(text: [models.isEmpty ? "no models available" : models.map(\.id).joined(separator: "\n")],
                                  structuredContent: ["models": .array(list)])
            },
        ]
    }

    static func answer(_ backend: any ChatBackend, model: String?, task: String?, arguments: [String: JSONValue],
                       context: ToolContext) async throws -> ToolResult {
        var messages: [ChatMessage] = []
        if let system = arguments["system"]?.stringValue { messages.append(ChatMessage(role: "system", content: system)) }
        messages.append(ChatMessage(role: "user", content: arguments["prompt"]?.stringValue ?? ""))
        let completion = try await backend.complete(model: model, task: task, messages: messages, principal: context.principal)
        return .text(completion.text, structured: ["text": .string(completion.text), "model": .string(completion.model),
                                                   "route": .string(completion.route)])
    }
}
