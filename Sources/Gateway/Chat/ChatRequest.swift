/// A chat request in the gateway's own terms; each adapter translates it to its wire format.
/// `model` is what the client asked for on the way in and the upstream id on the way out.
public struct ChatRequest: Sendable, Equatable {
    public var model: String
    public var messages: [ChatMessage]
    public var tools: [ToolDefinition]
    public var toolChoice: ToolChoice?
    public var maxTokens: Int?
    public var stop: [String]
    public var temperature: Double?
    public var topP: Double?
    public var stream: Bool

    public init(model: String, messages: [ChatMessage], tools: [ToolDefinition] = [], toolChoice: ToolChoice? = nil,
                maxTokens: Int? = nil, stop: [String] = [], temperature: Double? = nil, topP: Double? = nil,
                stream: Bool = false) {
        self.model = model
        self.messages = messages
        self.tools = tools
        self.toolChoice = toolChoice
        self.maxTokens = maxTokens
        self.stop = stop
        self.temperature = temperature
        self.topP = topP
        self.stream = stream
    }

    /// System messages joined, for wire formats that carry the system prompt apart.
    public var systemPrompt: String? {
        let parts = messages.filter { $0.role == .system }.map(\.text).filter { !$0.isEmpty }
        return parts.isEmpty ? nil : parts.joined(separator: "\n\n")
    }

    /// The conversation without system messages.
    public var turns: [ChatMessage] { messages.filter { $0.role != .system } }

    /// The text of the last user message (classification, offline answers).
    public var lastUserText: String {
        messages.last { $0.role == .user }?.text ?? ""
    }
}
