import Core
import Testing
import TestSupport
import Net
import Auth
import Hummingbird
import FoundationEssentials
@testable import Appliance

/// Issue 9 item 11 on the real node: `ollama_run` over /v1/mcp obeys the tier's model rule
/// (TierAccessPolicy), so a guest cannot run a model the guest tier does not allow.
@Suite struct OllamaPolicyEndToEndTests {
    /// Ollama's /api/tags and /api/generate; records every model asked to generate.
    static func ollama(_ mock: MockUpstream, _ router: Router<BasicRequestContext>) {
        router.get("/api/tags") { _, _ in
            MockUpstream.jsonResponse(["models": [["name": "llama3.2:1b", "model": "llama3.2:1b", "size": 1],
                                                  ["name": "llama3.1:405b", "model": "llama3.1:405b", "size": 2]]])
        }
        router.post("/api/generate") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let model = JSONValue.parse(Data(bytes.readableBytesView))?["model"]?.stringValue ?? ""
            mock.update { $0.requests.append("generate " + model) }
            return MockUpstream.jsonResponse(["model": .string(model), "response": .string("from \(model)"), "done": true])
        }
    }

    @Test func guestsRunOnlyTheModelsTheirTierAllows() async throws {
        try await MockUpstream.run(Self.ollama) { mock, base in
            try await TestNode.run(environment: ["OLLAMA_BASE_URL": base]) { node in
                try await node.node.auth.tiers.set(Tier(name: "guest", requestsPerHour: 10, features: [.chat],
                                                        modelsRule: ModelsRule(allow: ["llama3.2:1b"])))
                func run(_ model: String) async throws -> JSONValue {
                    let body: JSONValue = ["jsonrpc": "2.0", "id": 1, "method": "tools/call",
                                           "params": ["name": "ollama_run", "arguments": ["model": .string(model), "prompt": "hi"]]]
                    let response = try await Curl.request("\(node.baseURL)/v1/mcp", method: "POST",
                                                          headers: ["Content-Type": "application/json", "Accept": "application/json, text/event-stream"],
                                                          body: body.jsonText)
                    return response.json?["result"] ?? .null
                }
                let refused = try await run("llama3.1:405b")
                #expect(refused["isError"] == true)
                #expect(refused["content"]?[0]?["text"]?.stringValue?.contains("not available on the guest tier") == true, "\(refused)")
                #expect(!mock.requests.contains("generate llama3.1:405b"), "the refused model reached Ollama")
                let allowed = try await run("llama3.2:1b")
                #expect(allowed["isError"] == false, "\(allowed)")
                #expect(allowed["content"]?[0]?["text"] == "from llama3.2:1b")
                #expect(mock.requests.filter { $0.hasPrefix("generate ") } == ["generate llama3.2:1b"])
            }
        }
    }
}
