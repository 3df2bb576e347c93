extension ConfigKey {
    static let ollamaBaseURL = ConfigKey("ollama_base_url", env: "OLLAMA_BASE_URL", default: "http://127.0.0.1:11434", "Ollama endpoint")

    /// Upstream provider credentials and endpoints. Secrets are redacted in every output.
    static let providerKeys: [ConfigKey] = [
        ConfigKey("openai_api_key", env: "OPENAI_API_KEY", secret: true, "OpenAI key"),
        ConfigKey("openai_base_url", env: "OPENAI_BASE_URL", "OpenAI endpoint override"),
        ConfigKey("anthropic_api_key", env: "ANTHROPIC_API_KEY", secret: true, "Anthropic key"),
        ConfigKey("anthropic_base_url", env: "ANTHROPIC_BASE_URL", "Anthropic endpoint override"),
        ConfigKey("gemini_api_key", env: "GEMINI_API_KEY", secret: true, "Google Gemini key (GOOGLE_API_KEY also read)"),
        ConfigKey("google_api_key", env: "GOOGLE_API_KEY", secret: true, "Google Gemini key"),
        ConfigKey("gemini_base_url", env: "GEMINI_BASE_URL", "Gemini endpoint override"),
        ConfigKey("mistral_api_key", env: "MISTRAL_API_KEY", secret: true, "Mistral key"),
        ConfigKey("mistral_base_url", env: "MISTRAL_BASE_URL", "Mistral endpoint override"),
        ConfigKey("groq_api_key", env: "GROQ_API_KEY", secret: true, "Groq key"),
        ConfigKey("groq_base_url", env: "GROQ_BASE_URL", "Groq endpoint override"),
        ConfigKey("cerebras_api_key", env: "CEREBRAS_API_KEY", secret: true, "Cerebras key"),
        ConfigKey("cerebras_base_url", env: "CEREBRAS_BASE_URL", "Cerebras endpoint override"),
        ConfigKey("openrouter_api_key", env: "OPENROUTER_API_KEY", secret: true, "OpenRouter key"),
        ConfigKey("openrouter_base_url", env: "OPENROUTER_BASE_URL", "OpenRouter endpoint override"),
        ConfigKey("cloudflare_api_token", env: "CLOUDFLARE_API_TOKEN", secret: true, "Cloudflare Workers AI token"),
        ConfigKey("cloudflare_account_id", env: "CLOUDFLARE_ACCOUNT_ID", "Cloudflare account id"),
        ConfigKey("cloudflare_base_url", env: "CLOUDFLARE_BASE_URL", "Cloudflare endpoint override"),
        ollamaBaseURL,
    ]
}
