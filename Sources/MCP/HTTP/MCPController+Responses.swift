import Hummingbird
import HTTPTypes
import Net
import FoundationEssentials

extension MCPController {
    /// Streams notifications, then the replies, as SSE events on this exchange's response.
    /// A client that goes away cancels the work (the body writer throws, the task ends).
    func sse(_ messages: [Result<JSONRPCMessage, JSONRPCMessage.InvalidMessage>], exchange: MCPServer.Exchange) -> Response {
        let server = self.server
        let (events, continuation) = AsyncStream.makeStream(of: JSONValue.self)
        var exchange = exchange
        exchange.notify = { event in continuation.yield(event) }
        let streaming = exchange
        let body = ResponseBody { writer in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for item in messages {
                        switch item {
                        case .failure(let invalid):
                            continuation.yield(JSONRPC.error(id: invalid.id, invalid.error))
                        case .success(let message):
                            if let reply = await server.handle(message, exchange: streaming).reply { continuation.yield(reply) }
                        }
                    }
                    continuation.finish()
                }
                for await event in events {
                    try await writer.write(ByteBuffer(string: "event: message\ndata: \(event.jsonText)\n\n"))
                }
                try await group.waitForAll()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    static func jsonResponse(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: value.encoded())))
    }

    /// A transport-level failure: the HTTP status plus a JSON-RPC error body (id null).
    static func rpcError(_ status: HTTPResponse.Status, _ error: JSONRPCError) throws -> Response {
        jsonResponse(JSONRPC.error(id: .null, error), status: status)
    }
}

/// What the client accepts. A missing header, `*/*` or `application/*` accept JSON, so
/// plain curl POSTs work; SSE only when `text/event-stream` is named.
struct AcceptHeader {
    var json = false
    var eventStream = false

    init(_ header: String?) {
        guard let header, !header.trimmed().isEmpty else {
            json = true
            return
        }
        for part in header.split(separator: ",") {
            let type = (part.split(separator: ";").first.map(String.init) ?? "").trimmed().lowercased()
            switch type {
            case "application/json", "application/*", "*/*": json = true
            case "text/event-stream": eventStream = true
            case "text/*": eventStream = true
            default: break
            }
        }
    }
}
