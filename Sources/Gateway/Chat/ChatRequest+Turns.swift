extension ChatRequest {
    /// A request from plain text turns (role name, content): for callers outside the HTTP
    /// APIs, such as the MCP chat tools. Unknown role names count as user turns.
    public init(model: String, turns: [(role: String, content: String)]) {
        self.init(model: model, messages: turns.map { turn in
            ChatMessage(role: ChatRole(rawValue: turn.role) ?? .user, content: [.text(turn.content)])
        })
    }
}
