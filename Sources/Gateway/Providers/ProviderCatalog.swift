public import Net
public import Storage

/// Which providers this node has: the environment's keys (`OPENAI_API_KEY`, ...), then the
/// `providers` table (rows override environment entries of the same name).
public enum ProviderCatalog {
    /// name, kind, key variables, base-URL variable, default base URL, sends stream usage.
    /// Anthropic's and Gemini's variables hold what their official SDKs expect (no version
    /// segment); `versioned` adds it, so the versioned form keeps working too.
    static let known: [(String, ProviderKind, [String], String, String, Bool)] = [
        ("openai", .openai, ["OPENAI_API_KEY"], "OPENAI_BASE_URL", "https://api.openai.com/v1", true),
        ("anthropic", .anthropic, ["ANTHROPIC_API_KEY"], "ANTHROPIC_BASE_URL", "https://api.anthropic.com/v1", true),
        ("gemini", .gemini, ["GEMINI_API_KEY", "GOOGLE_API_KEY"], "GEMINI_BASE_URL", "https://generativelanguage.googleapis.com/v1beta", true),
        ("mistral", .openaiCompatible, ["MISTRAL_API_KEY"], "MISTRAL_BASE_URL", "https://api.mistral.ai/v1", false),
        ("groq", .openaiCompatible, ["GROQ_API_KEY"], "GROQ_BASE_URL", "https://api.groq.com/openai/v1", true),
        ("cerebras", .openaiCompatible, ["CEREBRAS_API_KEY"], "CEREBRAS_BASE_URL", "https://api.cerebras.ai/v1", true),
        ("openrouter", .openaiCompatible, ["OPENROUTER_API_KEY"], "OPENROUTER_BASE_URL", "https://openrouter.ai/api/v1", true),
    ]

    /// Providers named by environment values (process env, .env, stored settings merged by
    /// the caller). Ollama is always present: it costs one refused loopback connect if absent.
    public static func fromEnvironment(_ env: [String: String]) -> [ProviderConfiguration] {
        func value(_ name: String) -> String? { env[name].map { $0.trimmed() }.flatMap { $0.isEmpty ? nil : $0 } }
        var result: [ProviderConfiguration] = []
        for (name, kind, keys, baseVariable, defaultBase, streamUsage) in known {
            guard let key = keys.lazy.compactMap(value).first else { continue }
            var base = value(baseVariable) ?? defaultBase
            if kind == .anthropic { base = versioned(base, default: "v1") }
            if kind == .gemini { base = versioned(base, default: "v1beta") }
            result.append(ProviderConfiguration(name: name, kind: kind, baseURL: base, apiKey: key,
                                                isLocal: ProviderConfiguration.isLoopback(base), streamUsage: streamUsage))
        }
        if let token = value("CLOUDFLARE_API_TOKEN"), let account = value("CLOUDFLARE_ACCOUNT_ID") {
            let base = value("CLOUDFLARE_BASE_URL") ?? "https://api.cloudflare.com/client/v4/accounts/\(account)/ai/v1"
            result.append(ProviderConfiguration(name: "cloudflare", kind: .cloudflare, baseURL: base, apiKey: token, streamUsage: false))
        }
        let ollama = value("OLLAMA_BASE_URL") ?? "http://127.0.0.1:11434"
        result.append(ProviderConfiguration(name: "ollama", kind: .ollama, baseURL: ollama, isLocal: true))
        return result
    }

    /// `https://api.anthropic.com` → `https://api.anthropic.com/v1`; a URL whose last path
    /// segment already is a version (`v1`, `v1beta`, `v1alpha2`) is kept as given.
    static func versioned(_ url: String, default version: String) -> String {
        var base = Substring(url)
        while base.hasSuffix("/") { base = base.dropLast() }
        let last = base.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        if isVersionSegment(last), base.contains("://"), base.split(separator: "/").count > 2 { return String(base) }
        return base + "/" + version
    }

    static func isVersionSegment(_ segment: Substring) -> Bool {
        let bytes = Array(segment.utf8)
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "v"), bytes[1] &- 48 < 10 else { return false }
        var index = 1
        while index < bytes.count, bytes[index] &- 48 < 10 { index += 1 }
        let suffix = String(decoding: bytes[index...], as: UTF8.self)
        let stage = suffix.hasPrefix("alpha") ? "alpha" : (suffix.hasPrefix("beta") ? "beta" : "")
        return suffix.dropFirst(stage.count).allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Rows of the `providers` table: named OpenAI-compatible endpoints (llama.cpp, vLLM, LM
    /// Studio) and overrides. `options` may hold `{"local": true, "stream_usage": false}`.
    public static func fromTable(_ database: Database) async throws -> (enabled: [ProviderConfiguration], disabled: [String]) {
        let rows = try await database.read { connection in
            try connection.query("SELECT name, kind, base_url, api_key, enabled, weight, options FROM providers WHERE deleted = 0 ORDER BY name")
        }
        var enabled: [ProviderConfiguration] = []
        var disabled: [String] = []
        for row in rows {
            guard let name = row.string("name"), let kind = ProviderKind(rawValue: row.string("kind") ?? ""),
                  let base = row.string("base_url"), !base.isEmpty else { continue }
            if row.bool("enabled") == false { disabled.append(name); continue }
            let options = JSONValue.parse(row.string("options") ?? "{}")
            enabled.append(ProviderConfiguration(
                name: name, kind: kind, baseURL: base, apiKey: row.string("api_key") ?? "", weight: row.double("weight") ?? 1,
                isLocal: options?["local"]?.boolValue ?? (ProviderConfiguration.isLoopback(base) && kind != .anthropic),
                streamUsage: options?["stream_usage"]?.boolValue ?? true))
        }
        return (enabled, disabled)
    }

    /// Environment first, table rows replacing same-named entries, disabled rows removing them.
    public static func merge(environment: [ProviderConfiguration], table: (enabled: [ProviderConfiguration], disabled: [String])) -> [ProviderConfiguration] {
        var byName: [String: ProviderConfiguration] = [:]
        var order: [String] = []
        for configuration in environment + table.enabled {
            if byName[configuration.name] == nil { order.append(configuration.name) }
            byName[configuration.name] = configuration
        }
        return order.filter { !table.disabled.contains($0) }.compactMap { byName[$0] }
    }

    public static func makeProvider(_ configuration: ProviderConfiguration, fetcher: any HTTPFetching) -> any LLMProvider {
        switch configuration.kind {
        case .openai, .openaiCompatible, .cloudflare: OpenAIProvider(configuration: configuration, fetcher: fetcher)
        case .anthropic: AnthropicProvider(configuration: configuration, fetcher: fetcher)
        case .gemini: GeminiProvider(configuration: configuration, fetcher: fetcher)
        case .ollama: OllamaProvider(configuration: configuration, fetcher: fetcher)
        }
    }
}
