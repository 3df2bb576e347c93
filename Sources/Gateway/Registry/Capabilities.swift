/// Infers what a model can do from its upstream id, when the provider does not say.
/// Heuristic by design: names are the only signal most `/models` endpoints give. Runs at
/// discovery (stored with the row), and for ad-hoc `provider/id` pass-through models.
public enum Capabilities {
    public static let chat = "chat", code = "code", vision = "vision", embedding = "embedding"
    public static let reasoning = "reasoning", tools = "tools"

    static let embeddingMarks = LowercasedASCII.patterns(["embed", "bge-", "e5-", "nomic-embed", "text-embedding"])
    static let nonChatMarks = LowercasedASCII.patterns(["whisper", "tts", "dall-e", "stable-diffusion", "flux", "moderation", "guard",
                                                        "rerank", "imagen", "transcribe"])
    static let codeMarks = LowercasedASCII.patterns(["code", "coder", "codestral", "devstral", "gpt-4", "gpt-5", "claude", "qwen2.5",
                                                     "qwen3", "deepseek", "o1", "o3", "o4"])
    static let visionMarks = LowercasedASCII.patterns(["vision", "gpt-4o", "gpt-4.1", "gpt-5", "claude-3", "claude-sonnet", "claude-opus",
                                                       "claude-haiku", "gemini", "llava", "pixtral", "-vl", "llama-4", "scout", "maverick"])
    static let reasoningMarks = LowercasedASCII.patterns(["o1", "o3", "o4", "reason", "r1", "thinking", "qwq", "gpt-5", "gemini-2.5",
                                                          "magistral"])
    static let toolMarks = LowercasedASCII.patterns(["gpt-", "claude", "gemini", "mistral", "llama-3", "llama3", "llama-4", "qwen",
                                                     "command", "o1", "o3", "o4", "groq", "hermes", "gemma-3"])

    public static func infer(_ upstreamID: String) -> [String] {
        let id = LowercasedASCII(upstreamID)
        if id.containsAny(embeddingMarks) { return [embedding] }
        if id.containsAny(nonChatMarks) { return [] }
        var result = [chat]
        if id.containsAny(codeMarks) { result.append(code) }
        if id.containsAny(visionMarks) { result.append(vision) }
        if id.containsAny(reasoningMarks) { result.append(reasoning) }
        if id.containsAny(toolMarks) { result.append(tools) }
        return result
    }
}
