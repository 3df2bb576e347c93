import Core
import Testing
import MCP
import Net
import Hummingbird
import NIOCore
import Synchronization
import FoundationEssentials

/// Issue 9 item 11: tools that use a model ask the tier policy (`AccessPolicy.mayUse`)
/// about `ollama/<name>` exactly as the gateway does, before any request reaches Ollama.
@Suite("Model policy in the Ollama tools")
struct ModelPolicyToolTests {
    /// A mock Ollama speaking its /api/tags and /api/generate wire format; it records the
    /// models asked to generate.
    static func withOllama<T: Sendable>(_ body: @Sendable (String, Recorder<String>) async throws -> T) async throws -> T {
        let generated = Recorder<String>()
        let router = Router()
        router.get("/api/tags") { _, _ in
            let body: JSONValue = ["models": [["name": "llama3.2:1b", "size": 1_000], ["name": "llama3.1:405b", "size": 200_000_000_000]]]
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body.encoded())))
        }
        router.post("/api/generate") { request, _ in
            let data = try await request.body.collect(upTo: 1 << 20)
            let model = JSONValue.parse(Data(data.readableBytesView))?["model"]?.stringValue ?? ""
            generated.append(model)
            let body: JSONValue = ["model": .string(model), "response": .string("hello from \(model)"), "done": true]
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body.encoded())))
        }
        return try await LiveServer.run(router) { port in try await body("http://127.0.0.1:\(port)", generated) }
    }

    /// Guests may use one small local model; everyone else anything. Records what was asked.
    static func policy(asked: Recorder<ModelDescriptor>) -> ClosureAccessPolicy {
        ClosureAccessPolicy(mayUse: { model, principal in
            asked.append(model)
            return !principal.isGuest || model.id == "ollama/llama3.2:1b"
        })
    }

    @Test func guestsCannotRunModelsTheirTierDoesNotAllow() async throws {
        try await Self.withOllama { base, generated in
            let asked = Recorder<ModelDescriptor>()
            let registry = ToolRegistry(tools: OllamaTools.all(fetcher: try CurlHTTPClient(), baseURL: base, policy: Self.policy(asked: asked)),
                                        policy: ClosureAccessPolicy(), audit: nil)
            let guest = ToolContext(principal: Principal.guest(address: "203.0.113.7"))
            let big = try await registry.call(name: "ollama_run", arguments: ["model": "llama3.1:405b", "prompt": "hi"], context: guest)
            #expect(big.isError)
            #expect(big.text.first?.contains("not available on the guest tier") == true, "\(big.text)")
            #expect(generated.items.isEmpty, "the refused model must never reach Ollama")
            #expect(asked.items.last == ModelDescriptor(id: "ollama/llama3.1:405b", provider: "ollama", isLocal: true))

            let small = try await registry.call(name: "ollama_run", arguments: ["model": "llama3.2:1b", "prompt": "hi"], context: guest)
            #expect(!small.isError && small.text.first == "hello from llama3.2:1b", "\(small.text)")
            let list = try await registry.call(name: "ollama_list", arguments: nil, context: guest)
            #expect(list.text.first == "llama3.2:1b", "guests see only what they may run: \(list.text)")

            let pro = ToolContext(principal: Principal(subject: "u", tier: "pro", method: .token))
            let allowed = try await registry.call(name: "ollama_run", arguments: ["model": "llama3.1:405b", "prompt": "hi"], context: pro)
            #expect(!allowed.isError, "\(allowed.text)")
            #expect(generated.items == ["llama3.2:1b", "llama3.1:405b"])
            let proList = try await registry.call(name: "ollama_list", arguments: nil, context: pro)
            #expect(proList.text.first == "llama3.2:1b\nllama3.1:405b")
        }
    }

    @Test func anUnreachableOllamaDoesNotRevealItsURL() async throws {
        let registry = ToolRegistry(tools: OllamaTools.all(fetcher: try CurlHTTPClient(), baseURL: "http://127.0.0.1:9/secret-path",
                                                           policy: ClosureAccessPolicy()), policy: ClosureAccessPolicy(), audit: nil)
        let result = try await registry.call(name: "ollama_list", arguments: nil,
                                             context: ToolContext(principal: Principal(subject: "u", tier: "pro", method: .token)))
        #expect(result.isError)
        #expect(result.text.first?.contains("not reachable") == true && result.text.first?.contains("secret-path") == false, "\(result.text)")
    }
}

/// Values appended from server handlers and policy closures, read by the test.
final class Recorder<Item: Sendable>: Sendable {
    private let storage = Mutex<[Item]>([])
    func append(_ item: Item) { storage.withLock { $0.append(item) } }
    var items: [Item] { storage.withLock { $0 } }
}
