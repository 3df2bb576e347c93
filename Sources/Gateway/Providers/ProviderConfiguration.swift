/// Which wire format a provider speaks.
public enum ProviderKind: String, Sendable, Equatable, CaseIterable {
    case openai
    case openaiCompatible = "openai-compatible"
    case anthropic
    case gemini
    case ollama
    case cloudflare
}

/// One configured upstream: from the environment (`OPENAI_API_KEY`, ...) or a row of the
/// `providers` table. Never logged whole: `apiKey` is a secret.
public struct ProviderConfiguration: Sendable, Equatable {
    public var name: String
    public var kind: ProviderKind
    public var baseURL: String
    public var apiKey: String
    public var weight: Double
    /// Runs on this machine: tried when the upstream chain is exhausted.
    public var isLocal: Bool
    /// Whether to send `stream_options.include_usage` (some OpenAI-compatible hosts refuse it).
    public var streamUsage: Bool

    public init(name: String, kind: ProviderKind, baseURL: String, apiKey: String = "", weight: Double = 1,
                isLocal: Bool = false, streamUsage: Bool = true) {
        self.name = name
        self.kind = kind
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.weight = weight > 0 ? weight : 1
        self.isLocal = isLocal
        self.streamUsage = streamUsage
    }

    /// Whether `baseURL` points at this machine (loopback), which makes a provider local.
    public static func isLoopback(_ url: String) -> Bool {
        ["://127.", "://localhost", "://[::1]"].contains { url.contains($0) }
    }
}
