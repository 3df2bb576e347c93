import Core
import Gateway
import MCP
import Net

/// The MCP chat tools' seam served by the gateway: `chat` and `specialist` go through the
/// same routing, fallback and offline chain as the HTTP chat APIs; `models` lists what the
/// caller's tier may use.
struct GatewayChatBackend: ChatBackend {
    let gateway: Gateway

    func complete(model: String?, task: String?, messages: [MCP.ChatMessage], principal: Principal) async throws -> ChatCompletion {
        // A named model wins; otherwise a task route ("task:code"); otherwise auto.
        let target = model ?? task.map { "task:\($0)" } ?? "auto"
        let request = ChatRequest(model: target, turns: messages.map { ($0.role, $0.content) })
        let answer = try await gateway.complete(request, principal: principal)
        return ChatCompletion(text: answer.response.message.text, model: answer.model, route: answer.trace.header)
    }

    func listModels(principal: Principal) async throws -> [ModelDescriptor] {
        var allowed: [ModelDescriptor] = []
        for record in try await gateway.listModels() {
            let descriptor = gateway.descriptor(record)
            if await gateway.policy.mayUse(descriptor, principal: principal) { allowed.append(descriptor) }
        }
        return allowed
    }
}
