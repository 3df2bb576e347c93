import Testing
import Gateway
import TestSupport
import Net
import FoundationEssentials

/// Each adapter against a local mock of its provider's wire format.
@Suite struct AdapterTests {
    let fetcher: CurlHTTPClient

    init() throws { fetcher = try CurlHTTPClient() }

    func openAI(_ base: String) -> OpenAIProvider {
        OpenAIProvider(configuration: ProviderConfiguration(name: "openai", kind: .openai, baseURL: base + "/v1", apiKey: "sk-test"), fetcher: fetcher)
    }

    @Test func openAIDiscoversChatsAndStreams() async throws {
        try await MockUpstream.run(MockProviders.openAI) { mock, base in
            let provider = openAI(base)
            let models = try await provider.models()
            #expect(models.map(\.upstreamID) == ["gpt-4o-mini", "text-embedding-3-small"])
            #expect(models[1].capabilities == ["embedding"])
            let answer = try await provider.chat(Fixtures.hello("gpt-4o-mini"))
            #expect(answer.message.text == "Hello from the mock")
            #expect(answer.usage == Usage(promptTokens: 11, completionTokens: 7))
            let events = try await Fixtures.collect(provider.stream(Fixtures.hello("gpt-4o-mini", stream: true)))
            #expect(events.compactMap { if case .textDelta(let t) = $0 { t } else { nil } }.joined() == "Hello from the mock")
            #expect(events.contains(.finish(.stop)))
            #expect(events.last == .usage(Usage(promptTokens: 11, completionTokens: 7)))
            #expect(mock.update { $0.lastBody?["stream_options"]?["include_usage"] } == true)
            #expect(mock.violations.isEmpty, "\(mock.violations)")
        }
    }

    @Test func openAIToolCallsStreamAndComplete() async throws {
        try await MockUpstream.run(MockProviders.openAI) { mock, base in
            mock.update { $0.toolCall = true }
            let provider = openAI(base)
            let whole = try await provider.chat(Fixtures.withTool("gpt-4o-mini"))
            #expect(whole.message.toolCalls == [ToolCall(id: "call_1", name: "get_weather", arguments: #"{"city":"Paris"}"#)])
            #expect(whole.finishReason == .toolCalls)
            var request = Fixtures.withTool("gpt-4o-mini")
            request.stream = true
            let streamed = try await ChatResponse.collect(provider.stream(request), model: "gpt-4o-mini")
            #expect(streamed.message.toolCalls == [ToolCall(id: "call_1", name: "get_weather", arguments: #"{"city":"Paris"}"#)])
            #expect(streamed.finishReason == .toolCalls)
            #expect(mock.update { $0.lastBody?["tools"]?[0]?["function"]?["name"] } == "get_weather")
            #expect(mock.violations.isEmpty, "\(mock.violations)")
        }
    }

    @Test func anthropicTranslatesBothWays() async throws {
        try await MockUpstream.run(MockProviders.anthropic) { mock, base in
            let provider = AnthropicProvider(configuration: ProviderConfiguration(name: "anthropic", kind: .anthropic, baseURL: base + "/v1", apiKey: "sk-ant-test"), fetcher: fetcher)
            #expect(try await provider.models().map(\.upstreamID) == ["claude-sonnet-4-5"])
            let answer = try await provider.chat(Fixtures.hello("claude-sonnet-4-5"))
            #expect(answer.message.text == "Hello from the mock")
            #expect(mock.update { $0.lastBody?["system"] } == "Be brief.")
            let events = try await Fixtures.collect(provider.stream(Fixtures.hello("claude-sonnet-4-5", stream: true)))
            #expect(events.compactMap { if case .textDelta(let t) = $0 { t } else { nil } }.joined() == "Hello from the mock")
            #expect(events.contains(.finish(.stop)))
            #expect(events.contains(.usage(Usage(promptTokens: 12, completionTokens: 6))))
            mock.update { $0.toolCall = true }
            var request = Fixtures.withTool("claude-sonnet-4-5")
            request.messages += [ChatMessage(role: .assistant, toolCalls: [ToolCall(id: "toolu_0", name: "get_weather", arguments: #"{"city":"Oslo"}"#)]),
                                 ChatMessage(role: .tool, content: [.text("cold")], toolCallID: "toolu_0"),
                                 ChatMessage(role: .user, text: "And Paris?")]
            request.stream = true
            let streamed = try await ChatResponse.collect(provider.stream(request), model: "claude")
            #expect(streamed.message.toolCalls == [ToolCall(id: "toolu_1", name: "get_weather", arguments: #"{"city": "Paris"}"#)])
            #expect(streamed.finishReason == .toolCalls)
            #expect(mock.update { $0.lastBody?["messages"]?[2]?["content"]?[0]?["type"] } == "tool_result")
            #expect(mock.violations.isEmpty, "\(mock.violations)")
        }
    }

    @Test func geminiTranslatesBothWays() async throws {
        try await MockUpstream.run(MockProviders.gemini) { mock, base in
            let provider = GeminiProvider(configuration: ProviderConfiguration(name: "gemini", kind: .gemini, baseURL: base + "/v1beta", apiKey: "g-test"), fetcher: fetcher)
            let models = try await provider.models()
            #expect(models.first { $0.upstreamID == "gemini-2.5-flash" }?.contextWindow == 1_048_576)
            #expect(models.first { $0.upstreamID == "text-embedding-004" }?.capabilities == ["embedding"])
            let answer = try await provider.chat(Fixtures.hello("gemini-2.5-flash"))
            #expect(answer.message.text == "Hello from the mock")
            #expect(answer.usage == Usage(promptTokens: 9, completionTokens: 5))
            #expect(mock.update { $0.lastBody?["systemInstruction"]?["parts"]?[0]?["text"] } == "Be brief.")
            let events = try await Fixtures.collect(provider.stream(Fixtures.hello("gemini-2.5-flash", stream: true)))
            #expect(events.compactMap { if case .textDelta(let t) = $0 { t } else { nil } }.joined() == "Hello from the mock")
            mock.update { $0.toolCall = true }
            let tool = try await provider.chat(Fixtures.withTool("gemini-2.5-flash"))
            #expect(tool.message.toolCalls.first?.name == "get_weather")
            #expect(tool.finishReason == .toolCalls)
            #expect(mock.violations.isEmpty, "\(mock.violations)")
        }
    }

    @Test func ollamaStreamsNDJSON() async throws {
        try await MockUpstream.run(MockProviders.ollama) { mock, base in
            let provider = OllamaProvider(configuration: ProviderConfiguration(name: "ollama", kind: .ollama, baseURL: base, isLocal: true), fetcher: fetcher)
            #expect(try await provider.models().map(\.upstreamID) == ["llama3.2:latest"])
            let events = try await Fixtures.collect(provider.stream(Fixtures.hello("llama3.2:latest", stream: true)))
            #expect(events.compactMap { if case .textDelta(let t) = $0 { t } else { nil } }.joined() == "Hello from the mock")
            #expect(events.suffix(2) == [.finish(.stop), .usage(Usage(promptTokens: 8, completionTokens: 4))])
            #expect(mock.violations.isEmpty, "\(mock.violations)")
        }
    }

    @Test func errorsMapToStatusAndRetryAfter() async throws {
        try await MockUpstream.run(MockProviders.openAI) { mock, base in
            let provider = openAI(base)
            mock.update { $0.behavior = .status(429, retryAfter: 7) }
            await #expect { try await provider.chat(Fixtures.hello("gpt-4o-mini")) } throws: { error in
                let failure = error as? ProviderError
                return failure?.code == .rateLimited && failure?.retryAfter == .seconds(7) && failure?.message == "mock failure 429"
            }
            mock.update { $0.behavior = .status(401, retryAfter: nil) }
            await #expect { try await Fixtures.collect(provider.stream(Fixtures.hello("gpt-4o-mini", stream: true))) } throws: { error in
                (error as? ProviderError)?.code == .unauthorized
            }
            mock.update { $0.behavior = .cutMidStream }
            var received: [ChatEvent] = []
            var failure: ProviderError?
            do {
                for try await event in provider.stream(Fixtures.hello("gpt-4o-mini", stream: true)) { received.append(event) }
            } catch {
                failure = error as? ProviderError
            }
            #expect(failure?.code == .interrupted)
            #expect(!received.isEmpty)
        }
    }
}
