import Core
import FoundationEssentials
public import Net

/// `ollama_list` and `ollama_run` against the configured Ollama (operator-trusted URL).
public enum OllamaTools {
    public static func all(fetcher: any HTTPFetching, baseURL: String) -> [any Tool] {
        let base = baseURL.trimmingSlash()
        return [
            ClosureTool(name: "ollama_list", description: "Models installed in the node's Ollama.", feature: .chat,
                        annotations: .readOnlyLocal, schema: InputSchema.object([:])) { _, _ in
                let json = try await call(fetcher, OutgoingRequest(url: base + "/api/tags"))
                let models: [JSONValue] = (json["models"]?.arrayValue ?? []).map {
                    ["name": $0["name"] ?? "", "size": $0["size"] ?? 0, "modified_at": $0["modified_at"] ?? ""]
                }
                let names = models.compactMap { $0["name"]?.stringValue }
                return ToolResult(text: [names.isEmpty ? "no models installed" : names.joined(separator: "\n")],
                                  structuredContent: ["models": .array(models)])
            },
            ClosureTool(name: "ollama_run", description: "Run a prompt on a local Ollama model (no streaming).", feature: .chat,
                        annotations: ToolAnnotations(readOnly: true),
                        schema: InputSchema.object(["model": InputSchema.string("Ollama model name", minLength: 1, maxLength: 200),
                                               "prompt": InputSchema.string("the prompt", minLength: 1, maxLength: 200_000)],
                                              required: ["model", "prompt"])) { arguments, _ in
                let body: JSONValue = ["model": arguments["model"] ?? "", "prompt": arguments["prompt"] ?? "", "stream": false]
                let json = try await call(fetcher, OutgoingRequest(method: "POST", url: base + "/api/generate",
                                                                   headers: [("content-type", "application/json")], body: body.encoded(),
                                                                   timeouts: .init(total: .seconds(600))))
                let text = json["response"]?.stringValue ?? ""
                return .text(text, structured: ["model": arguments["model"] ?? "", "response": .string(text)])
            },
        ]
    }

    static func call(_ fetcher: any HTTPFetching, _ request: OutgoingRequest) async throws -> JSONValue {
        do {
            let response = try await fetcher.send(request)
            let data = try await response.collect()
            guard (200..<300).contains(response.status), let json = JSONValue.parse(data) else {
                let detail = JSONValue.parse(data)?["error"]?.stringValue ?? "HTTP \(response.status)"
                throw ToolError(.upstream, "Ollama: \(detail)")
            }
            return json
        } catch let error as OutgoingHTTPError {
            throw ToolError(.upstream, "Ollama at \(request.url) is not reachable: \(error.message); set OLLAMA_BASE_URL")
        }
    }
}
