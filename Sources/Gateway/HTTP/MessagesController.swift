import Core
public import Hummingbird
public import Net
import NIOCore

/// `POST /v1/messages`: the Anthropic Messages shape in and out (its SSE event stream
/// included), whichever provider answers behind it.
public struct MessagesController: Sendable {
    let gateway: Gateway

    public init(gateway: Gateway) { self.gateway = gateway }

    public func register(on router: some RouterMethods<AppRequestContext>) {
        router.post("/v1/messages") { request, context in try await handle(request, context: context) }
    }

    func handle(_ request: Request, context: AppRequestContext) async throws -> Response {
        let json = try await request.decodeJSON(as: JSONValue.self, context: context)
        let chat = try AnthropicWire.decodeRequest(json)
        let principal = ChatHTTP.principal(context)
        try await gateway.policy.require(.chat, for: principal)
        let id = ChatHTTP.newID("msg_")
        guard chat.stream else {
            let answer = try await gateway.complete(chat, principal: principal)
            return try Response.json(AnthropicWire.encodeResponse(answer.response, id: id, model: answer.model),
                                     headers: ChatHTTP.headers(answer.trace, contentType: "application/json"))
        }
        let stream = try await ChatHTTP.openStream(gateway, chat, principal: principal, context: context)
        let events = stream.events
        let model = stream.model
        return Response(status: .ok, headers: ChatHTTP.headers(stream.trace, contentType: "text/event-stream"),
                        body: ResponseBody { writer in
            var encoder = AnthropicStreamEncoder(id: id, model: model)
            for (name, payload) in encoder.start() { try await writer.write(ChatHTTP.sse(payload, event: name)) }
            var iterator = events.makeAsyncIterator()
            while true {
                let batch: [ChatEvent]
                do {
                    batch = try await iterator.nextBatch()
                } catch {
                    let (name, payload) = AnthropicStreamEncoder.error("upstream stream failed: \(error)")
                    try await writer.write(ChatHTTP.sse(payload, event: name))
                    try await writer.finish(nil)
                    return
                }
                if batch.isEmpty { break }
                var out = ByteBuffer()
                for event in batch { encoder.appendSSE(event, to: &out) }
                if out.readableBytes > 0 { try await writer.write(out) }
            }
            for (name, payload) in encoder.end() { try await writer.write(ChatHTTP.sse(payload, event: name)) }
            try await writer.finish(nil)
        })
    }
}
