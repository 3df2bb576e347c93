import Core
public import Hummingbird
public import Net
import NIOCore

/// `POST /v1/chat`: the seed's shape `{model?, messages, stream?, temperature?}`. Streams
/// plain text by default; `stream: false` answers `{"text", "model", "route"}`.
public struct SimpleChatController: Sendable {
    let gateway: Gateway

    public init(gateway: Gateway) { self.gateway = gateway }

    public func register(on router: some RouterMethods<AppRequestContext>) {
        router.post("/v1/chat") { request, context in try await handle(request, context: context) }
    }

    func handle(_ request: Request, context: AppRequestContext) async throws -> Response {
        let json = try await request.decodeJSON(as: JSONValue.self, context: context)
        var (chat, _) = try OpenAIWire.decodeRequest(json)
        chat.stream = json["stream"]?.boolValue ?? true
        let principal = ChatHTTP.principal(context)
        try await gateway.policy.require(.chat, for: principal)
        guard chat.stream else {
            let answer = try await gateway.complete(chat, principal: principal)
            let body: JSONValue = ["text": .string(answer.response.message.text), "model": .string(answer.model),
                                   "route": .string(answer.trace.header)]
            return try Response.json(body, headers: ChatHTTP.headers(answer.trace, contentType: "application/json"))
        }
        let stream = try await gateway.stream(chat, principal: principal)
        let events = stream.events
        return Response(status: .ok, headers: ChatHTTP.headers(stream.trace, contentType: "text/plain; charset=utf-8"),
                        body: ResponseBody { writer in
            do {
                for try await event in events {
                    if case .textDelta(let text) = event { try await writer.write(ByteBuffer(string: text)) }
                }
            } catch let error as ProviderError {
                try await writer.write(ByteBuffer(string: "\n[triforce: the upstream failed mid-answer: \(error.description)]\n"))
            }
            try await writer.finish(nil)
        })
    }
}
