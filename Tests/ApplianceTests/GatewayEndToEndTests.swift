import Testing
import TestSupport
import Net
import Gateway
import FoundationEssentials
@testable import Appliance

/// The node end to end: a real server, curl as the client, a mock OpenAI upstream.
@Suite struct GatewayEndToEndTests {
    /// Waits (bounded) until discovery has put `model` in the registry.
    static func waitForModel(_ node: TestNode, _ model: String) async throws {
        for _ in 0..<100 {
            if try await node.gateway.models.all().contains(where: { $0.id == model && $0.isAvailable }) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestNodeError("discovery never found \(model)")
    }

    @Test func openAIShapesStreamedAndWhole() async throws {
        try await MockUpstream.run(MockProviders.openAI) { mock, base in
            try await TestNode.run(environment: ["OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": base + "/v1", "OLLAMA_BASE_URL": "http://127.0.0.1:1"]) { node in
                try await Self.waitForModel(node, "openai/gpt-4o-mini")
                let body = #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello"}]}"#
                let whole = try await Curl.request("\(node.baseURL)/v1/chat/completions", method: "POST", headers: ["Content-Type": "application/json"], body: body)
                #expect(whole.status == 200)
                #expect(whole.json?["model"] == "openai/gpt-4o-mini")
                #expect(whole.json?["choices"]?[0]?["message"]?["content"] == "Hello from the mock")
                #expect(whole.headers["x-triforce-route"]?.hasPrefix("openai/gpt-4o-mini") == true)

                let streamBody = #"{"model":"auto","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Say hello"}]}"#
                let streamed = try await Curl.request("\(node.baseURL)/v1/chat/completions", method: "POST", headers: ["Content-Type": "application/json"], body: streamBody, extra: ["-N"])
                #expect(streamed.status == 200)
                #expect(streamed.headers["content-type"]?.hasPrefix("text/event-stream") == true)
                #expect(streamed.body.contains("chat.completion.chunk"))
                #expect(streamed.body.contains(#""prompt_tokens":11"#))
                #expect(streamed.body.hasSuffix("data: [DONE]\n\n"))

                let messages = #"{"model":"gpt-4o-mini","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"Say hello"}]}"#
                let anthropic = try await Curl.request("\(node.baseURL)/v1/messages", method: "POST", headers: ["Content-Type": "application/json"], body: messages)
                #expect(anthropic.body.contains("event: message_start"))
                #expect(anthropic.body.contains("event: content_block_delta"))
                #expect(anthropic.body.contains("event: message_stop"))

                let simple = try await Curl.request("\(node.baseURL)/v1/chat", method: "POST", headers: ["Content-Type": "application/json"],
                                                    body: #"{"messages":[{"role":"user","content":"Say hello"}]}"#)
                #expect(simple.headers["content-type"]?.hasPrefix("text/plain") == true)
                #expect(simple.body == "Hello from the mock")
                let simpleWhole = try await Curl.request("\(node.baseURL)/v1/chat", method: "POST", headers: ["Content-Type": "application/json"],
                                                         body: #"{"stream":false,"messages":[{"role":"user","content":"Say hello"}]}"#)
                #expect(simpleWhole.json?["text"] == "Hello from the mock")
                #expect(simpleWhole.json?["route"]?.stringValue?.hasPrefix("openai/gpt-4o-mini") == true)

                let models = try await Curl.request("\(node.baseURL)/v1/models")
                let entry = models.json?["data"]?.arrayValue?.first { $0["id"] == "openai/gpt-4o-mini" }
                #expect(entry?["status"] == "available")
                #expect(entry?["provider"] == "openai")
                #expect(mock.violations.isEmpty, "\(mock.violations)")
            }
        }
    }

    @Test func freshNodeWithoutKeysAnswersOffline() async throws {
        try await TestNode.run(environment: ["OLLAMA_BASE_URL": "http://127.0.0.1:1"]) { node in
            let response = try await Curl.request("\(node.baseURL)/v1/chat", method: "POST", headers: ["Content-Type": "application/json"],
                                                  body: #"{"stream":false,"messages":[{"role":"user","content":"hello"}]}"#)
            #expect(response.status == 200)
            #expect(response.json?["model"] == "triforce/offline")
            #expect(response.headers["x-triforce-route"]?.hasPrefix("triforce/offline") == true)
            let health = try await Curl.request("\(node.baseURL)/health")
            #expect(health.json?["checks"]?["providers"]?["status"] == "ok")
            #expect(health.json?["checks"]?["providers"]?["detail"]?.stringValue?.contains("answering offline") == true)
        }
    }

    @Test func routeCommandChangesRoutingOfARunningNode() async throws {
        try await MockUpstream.run(MockProviders.openAI) { _, base in
            try await TestNode.run(environment: ["OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": base + "/v1", "OLLAMA_BASE_URL": "http://127.0.0.1:1"]) { node in
                try await Self.waitForModel(node, "openai/gpt-4o-mini")
                let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("triforce").path
                let set = try await Subprocess.run([binary, "route", "set", "general", "openai/gpt-4o-mini", "--data-dir", node.node.configuration.dataDirectory])
                #expect(set.status == 0, "\(set.stderr)")
                // Another process's write reaches the server through the data_version poll (250 ms).
                var route: JSONValue?
                for _ in 0..<100 where route != "openai/gpt-4o-mini; task=general" {
                    let response = try await Curl.request("\(node.baseURL)/v1/chat", method: "POST", headers: ["Content-Type": "application/json"],
                                                          body: #"{"stream":false,"messages":[{"role":"user","content":"hello"}]}"#)
                    route = response.json?["route"]
                    if route != "openai/gpt-4o-mini; task=general" { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(route == "openai/gpt-4o-mini; task=general")
                let list = try await Subprocess.run([binary, "route", "list", "--data-dir", node.node.configuration.dataDirectory])
                #expect(list.stdout.contains("general\tset\topenai/gpt-4o-mini"))
            }
        }
    }
}
