import Core
import Testing
import Gateway
import TestSupport
import Net
import Storage
import Logging
import FoundationEssentials

/// Per-task system prompts: put in front of a request without a system message, never over
/// the client's own.
@Suite struct SystemPromptTests {
    @Test func taskPromptIsAddedOnlyWhenTheRequestHasNone() async throws {
        let fetcher = try CurlHTTPClient()
        try await MockUpstream.run(MockProviders.openAI) { mock, base in
            let database = try await Fixtures.database()
            let gateway = Gateway(configurations: [ProviderConfiguration(name: "alpha", kind: .openaiCompatible, baseURL: base + "/v1", apiKey: "sk-test")],
                                  fetcher: fetcher, database: database, origin: Fixtures.origin, policy: ClosureAccessPolicy())
            await gateway.discover(logger: Logger(label: "test"))
            try await gateway.routes.set(.general, models: ["alpha/gpt-4o-mini"])
            try await database.write { try SystemPromptStore.write([.general: "Answer in one sentence."], $0) }

            // Fixtures.hello brings its own system message; this request brings none.
            let bare = ChatRequest(model: "task:general", messages: [ChatMessage(role: .user, text: "Say hello")])
            _ = try await gateway.complete(bare, principal: Fixtures.principal)
            let sent = mock.update { $0.lastBody }?["messages"]?.arrayValue ?? []
            #expect(sent.first?["role"]?.stringValue == "system")
            #expect(sent.first?["content"]?.stringValue == "Answer in one sentence.")
            #expect(sent.count == 2)

            var own = bare
            own.messages.insert(ChatMessage(role: .system, text: "Be verbose."), at: 0)
            _ = try await gateway.complete(own, principal: Fixtures.principal)
            let kept = mock.update { $0.lastBody }?["messages"]?.arrayValue ?? []
            #expect(kept.filter { $0["role"]?.stringValue == "system" }.count == 1)
            #expect(kept.first?["content"]?.stringValue == "Be verbose.")

            // Removing every prompt: requests go out as they came.
            try await database.write { try SystemPromptStore.write([:], $0) }
            var other = bare
            other.messages[0] = ChatMessage(role: .user, text: "Say goodbye")
            _ = try await gateway.complete(other, principal: Fixtures.principal)
            #expect(mock.update { $0.lastBody }?["messages"]?.arrayValue?.contains { $0["role"]?.stringValue == "system" } == false)
        }
    }
}
