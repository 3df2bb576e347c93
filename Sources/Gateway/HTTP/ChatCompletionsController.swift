import Core
public import Hummingbird
public import Net
import NIOCore

/// `POST /v1/chat/completions`: the OpenAI shape in and out, streaming as
/// `chat.completion.chunk` SSE events written the moment each upstream event arrives.
public struct ChatCompletionsController: Sendable {
    let gateway: Gateway

    public init(gateway: Gateway) { self.gateway = gateway }

    public func register(on router: some RouterMethods<AppRequestContext>) {
        router.post("/v1/chat/completions") { request, context in try await handle(request, context: context) }
    }

    func handle(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (chat, includeUsage) = try await request.decodeJSON(context: context, fast: OpenAIRequestDecoder.decode,
                                                                 tree: OpenAIWire.decodeRequest)
        let principal = ChatHTTP.principal(context)
        try await gateway.policy.require(.chat, for: principal)
        let id = ChatHTTP.newID("chatcmpl-")
        let created = ChatHTTP.now()
        guard chat.stream else {
            let answer = try await gateway.complete(chat, principal: principal)
            return Response.json(serialized: OpenAIResponseEncoder.encode(answer.response, id: id, model: answer.model, created: created),
                                 headers: ChatHTTP.headers(answer.trace, contentType: "application/json"))
        }
        let stream = try await ChatHTTP.openStream(gateway, chat, principal: principal, context: context)
        let model = stream.model
        let events = stream.events
        return Response(status: .ok, headers: ChatHTTP.headers(stream.trace, contentType: "text/event-stream"),
                        body: ResponseBody { writer in
            var iterator = events.makeAsyncIterator()
            var encoder = OpenAIChunkEncoder(id: id, model: model, created: created)
            var first = true
            while true {
                let batch: [ChatEvent]
                do {
                    batch = try await iterator.nextBatch()
                } catch {
                    try await Self.writeFailure(error, to: &writer)
                    return
                }
                if batch.isEmpty { break }
                // Events that arrived together leave in one write (one TLS record, one syscall).
                var out = ByteBuffer()
                out.reserveCapacity(batch.count * 192)
                for event in batch {
                    if case .usage = event, !includeUsage { continue }
                    encoder.append(event, first: first, to: &out)
                    first = false
                }
                if out.readableBytes > 0 { try await writer.write(out) }
            }
            try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
            try await writer.finish(nil)
        })
    }

    /// Never a silent truncation: the client sees why the answer stopped. Out of line because
    /// the body's frame stays allocated for as long as its stream, and this is its rare path.
    @inline(never) @concurrent
    static func writeFailure(_ error: any Error, to writer: inout any ResponseBodyWriter) async throws {
        try await writer.write(ChatHTTP.sse(ChatHTTP.errorJSON(error)))
        try await writer.finish(nil)
    }
}
