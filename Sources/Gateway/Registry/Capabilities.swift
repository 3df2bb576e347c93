/// Infers what a model can do from its upstream id, when the provider does not say.
/// Heuristic by design: names are the only signal most `/models` endpoints give.
public enum Capabilities {
    public static let chat = "chat", code = "code", vision = "vision", embedding = "embedding"
    public static let reasoning = "reasoning", tools = "tools"

    public static func infer(_ upstreamID: String) -> [String] {
        let id = upstreamID.lowercased()
        if ["embed", "bge-", "e5-", "nomic-embed", "text-embedding"].contains(where: id.contains) {
            return [embedding]
        }
        if ["whisper", "tts", "dall-e", "stable-diffusion", "flux", "moderation", "guard", "rerank", "imagen", "transcribe"].contains(where: id.contains) {
            return []
        }
        var result = [chat]
        if ["code", "coder", "codestral", "devstral", "gpt-4", "gpt-5", "claude", "qwen2.5", "qwen3", "deepseek", "o1", "o3", "o4"].contains(where: id.contains) {
            result.append(code)
        }
        if ["vision", "gpt-4o", "gpt-4.1", "gpt-5", "claude-3", "claude-sonnet", "claude-opus", "claude-haiku", "gemini", "llava", "pixtral", "-vl", "llama-4", "scout", "maverick"].contains(where: id.contains) {
            result.append(vision)
        }
        if ["o1", "o3", "o4", "reason", "r1", "thinking", "qwq", "gpt-5", "gemini-2.5", "magistral"].contains(where: id.contains) {
            result.append(reasoning)
        }
        if ["gpt-", "claude", "gemini", "mistral", "llama-3", "llama3", "llama-4", "qwen", "command", "o1", "o3", "o4", "groq", "hermes", "gemma-3"].contains(where: id.contains) {
            result.append(tools)
        }
        return result
    }
}
