public import Net

/// Who said a message. `tool` carries a tool's result back to the model.
public enum ChatRole: String, Sendable, Codable, Equatable {
    case system, user, assistant, tool
}

/// One piece of a message's content. Images travel as a URL (`https:` or a `data:` URL).
public enum ContentPart: Sendable, Equatable {
    case text(String)
    case image(url: String)
}

/// A tool call the assistant made. `arguments` is JSON text, as every provider streams it.
public struct ToolCall: Sendable, Equatable {
    public var id: String
    public var name: String
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// A tool the model may call: a name, a description and a JSON Schema for its arguments.
public struct ToolDefinition: Sendable, Equatable {
    public var name: String
    public var description: String
    public var parameters: JSONValue

    public init(name: String, description: String = "", parameters: JSONValue = ["type": "object", "properties": [:]]) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

/// How the model may use the tools.
public enum ToolChoice: Sendable, Equatable {
    case auto, none, required
    case tool(String)
}

/// One message of a conversation, provider-neutral.
public struct ChatMessage: Sendable, Equatable {
    public var role: ChatRole
    public var content: [ContentPart]
    /// Calls made by an assistant message.
    public var toolCalls: [ToolCall]
    /// For `role == .tool`: the call this message answers.
    public var toolCallID: String?
    public var name: String?

    public init(role: ChatRole, content: [ContentPart] = [], toolCalls: [ToolCall] = [],
                toolCallID: String? = nil, name: String? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
        self.name = name
    }

    public init(role: ChatRole, text: String) {
        self.init(role: role, content: [.text(text)])
    }

    /// The text parts joined; images are left out.
    public var text: String {
        // One text part is the common shape: returned as it is, without an array and a join
        // (this runs four times per chat completion).
        if content.count == 1, case .text(let value) = content[0] { return value }
        return content.compactMap { if case .text(let value) = $0 { value } else { nil } }.joined()
    }

    public var hasImages: Bool {
        content.contains { if case .image = $0 { true } else { false } }
    }
}
