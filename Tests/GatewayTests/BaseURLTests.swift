import Testing
import Gateway
import TestSupport
import Net
import Logging

/// Issue 9 item 18: `ANTHROPIC_BASE_URL` and `GEMINI_BASE_URL` as the official SDKs read
/// them (no version segment), the versioned form still working, against the mock providers.
@Suite struct BaseURLTests {
    let fetcher: CurlHTTPClient
    init() throws { fetcher = try CurlHTTPClient() }

    func roundTrip(_ environment: [String: String], provider name: String) async throws -> (models: [DiscoveredModel], text: String) {
        let configuration = try #require(ProviderCatalog.fromEnvironment(environment).first { $0.name == name })
        let provider = ProviderCatalog.makeProvider(configuration, fetcher: fetcher)
        let models = try await provider.models()
        let model = try #require(models.first { $0.capabilities.contains(Capabilities.chat) })
        let whole = try await provider.chat(Fixtures.hello(model.upstreamID))
        let streamed = try await ChatResponse.collect(provider.stream(Fixtures.hello(model.upstreamID, stream: true)), model: model.upstreamID)
        #expect(whole.message.text == streamed.message.text)
        return (models, whole.message.text)
    }

    @Test(arguments: ["", "/", "/v1", "/v1/"])
    func anthropicBaseURLWithOrWithoutVersion(suffix: String) async throws {
        try await MockUpstream.run(MockProviders.anthropic) { mock, base in
            let result = try await roundTrip(["ANTHROPIC_API_KEY": "sk-ant-test", "ANTHROPIC_BASE_URL": base + suffix], provider: "anthropic")
            #expect(result.models.map(\.upstreamID) == ["claude-sonnet-4-5"])
            #expect(!result.text.isEmpty)
            #expect(mock.violations.isEmpty)
        }
    }

    @Test(arguments: ["", "/", "/v1beta", "/v1beta/"])
    func geminiBaseURLWithOrWithoutVersion(suffix: String) async throws {
        try await MockUpstream.run(MockProviders.gemini) { mock, base in
            let result = try await roundTrip(["GEMINI_API_KEY": "g-test", "GEMINI_BASE_URL": base + suffix], provider: "gemini")
            #expect(result.models.contains { $0.upstreamID == "gemini-2.5-flash" })
            #expect(!result.text.isEmpty)
            #expect(mock.violations.isEmpty)
        }
    }

    @Test func versionSegmentsAreRecognised() {
        #expect(ProviderCatalog.fromEnvironment(["ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": "https://proxy.example/anthropic"])
                    .first { $0.name == "anthropic" }?.baseURL == "https://proxy.example/anthropic/v1")
        #expect(ProviderCatalog.fromEnvironment(["GEMINI_API_KEY": "k", "GEMINI_BASE_URL": "https://g.example/v1alpha"])
                    .first { $0.name == "gemini" }?.baseURL == "https://g.example/v1alpha")
        #expect(ProviderCatalog.fromEnvironment(["ANTHROPIC_API_KEY": "k"]).first { $0.name == "anthropic" }?.baseURL == "https://api.anthropic.com/v1")
    }
}
