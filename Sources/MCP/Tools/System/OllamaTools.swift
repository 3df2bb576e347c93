public import Core
import FoundationEssentials
public import Net

/// `ollama_list` and `ollama_run` against the configured Ollama (operator-trusted URL).
/// Both go through the tier's model rule (`AccessPolicy.mayUse`) exactly as the gateway
/// does for `ollama/<name>`: a guest cannot reach a model its tier does not list.
public enum OllamaTools {
    /// The gateway's provider name for Ollama: model ids are `ollama/<name>`.
    public static let providerName = "ollama"

    static func descriptor(_ model: String) -> ModelDescriptor {
        ModelDescriptor(id: providerName + "/" + model, provider: providerName, isLocal: true)
    }

    public static func all(fetcher: any HTTPFetching, baseURL: String, policy: any AccessPolicy) -> [any Tool] {
        let base = baseURL.trimmingSlash()
        return [
            ClosureTool(name: "ollama_list", description: "Models installed in the node's Ollama.", feature: .chat,
                        annotations: .readOnlyLocal, schema: InputSchema.object([:])) { _, context in
                let json = try await call(fetcher, OutgoingRequest(url: base + "/api/tags", maxResponseBytes: 4 << 20))
                var models: [JSONValue] = []
                for entry in (json["models"]?.arrayValue ?? []).prefix(1_000) {
                    guard let name = entry["name"]?.stringValue,
                          await policy.mayUse(descriptor(name), principal: context.principal) else { continue }
                    models.append(["name": .string(name), "size": entry["size"] ?? 0, "modified_at": entry["modified_at"] ?? ""])
                }
                let names = models.compactMap { $0["name"]?.stringValue }
                return ToolResult(text: [names.isEmpty ? "no models installed" : names.joined(separator: "\n")],
                                  structuredContent: ["models": .array(models)])
            },
            ClosureTool(name: "ollama_run", description: "Run a prompt on a local Ollama model (no streaming).", feature: .chat,
                        annotations: ToolAnnotations(readOnly: true),
                        schema: InputSchema.object(["model": InputSchema.string("Ollama model name", minLength: 1, maxLength: 200),
                                               "prompt": InputSchema.string("the prompt", minLength: 1, maxLength: 200_000)],
                                              required: ["model", "prompt"])) { arguments, context in
                let model = arguments["model"]?.stringValue ?? ""
                guard await policy.mayUse(descriptor(model), principal: context.principal) else {
                    throw ToolError(.refused, "model \(providerName)/\(model) is not available on the \(context.principal.tier) tier; ollama_list shows the ones you may use")
                }
                let body: JSONValue = ["model": arguments["model"] ?? "", "prompt": arguments["prompt"] ?? "", "stream": false]
                let json = try await call(fetcher, OutgoingRequest(method: "POST", url: base + "/api/generate",
                                                                   headers: [("content-type", "application/json")], body: body.encoded(),
                                                                   timeouts: .init(total: .seconds(600)), maxResponseBytes: 16 << 20))
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
            // The operator's URL is not a guest's business; the node's log has it.
            throw ToolError(.upstream, "the node's Ollama is not reachable (\(error.code)); an admin sets OLLAMA_BASE_URL")
        }
    }
}
