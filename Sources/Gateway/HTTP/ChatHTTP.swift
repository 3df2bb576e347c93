import Core
public import Hummingbird
import HTTPTypes
import Net
import NIOCore
import FoundationEssentials

/// What the chat controllers share: the route header, SSE framing, the caller.
enum ChatHTTP {
    static let routeHeader = HTTPField.Name("X-TriForce-Route")!
    static let accelBuffering = HTTPField.Name("X-Accel-Buffering")!

    /// Appended, not set by name: the fields are new, and the setter scans for an existing
    /// field through a generic sequence each time (every answer). Room for six: the request
    /// id (ErrorMiddleware) and Date (APIServer) follow, and a stream's head stays
    /// allocated for as long as the stream, so a regrowth would be held per open stream.
    static func headers(_ trace: RouteTrace, contentType: String) -> HTTPFields {
        var headers = HTTPFields()
        headers.reserveCapacity(6)
        headers.append(HTTPField(name: .contentType, value: contentType))
        headers.append(HTTPField(name: routeHeader, value: trace.header))
        if contentType.hasPrefix("text/event-stream") || contentType.hasPrefix("text/plain") {
            headers.append(HTTPField(name: .cacheControl, value: "no-cache"))
            // Proxies (nginx) must not hold chunks back.
            headers.append(HTTPField(name: accelBuffering, value: "no"))
        }
        return headers
    }

    static func principal(_ context: AppRequestContext) -> Principal {
        context.principal ?? .guest(address: context.clientAddress)
    }

    static func sse(_ json: JSONValue, event: String? = nil) -> ByteBuffer {
        var text = event.map { "event: \($0)\n" } ?? ""
        text += "data: " + json.jsonText + "\n\n"
        return ByteBuffer(string: text)
    }

    /// Appends one SSE event to `buffer`: events that arrived together leave in one write.
    static func appendSSE(_ json: JSONValue, event: String? = nil, to buffer: inout ByteBuffer) {
        if let event { buffer.writeString("event: \(event)\n") }
        buffer.writeString("data: ")
        buffer.writeString(json.jsonText)
        buffer.writeString("\n\n")
    }

    static func newID(_ prefix: String) -> String {
        prefix + RandomHex.make(24)
    }

    static func errorJSON(_ error: any Error) -> JSONValue {
        let failure = error as? ProviderError
        return ["error": ["message": .string("upstream stream failed: \(failure?.description ?? "\(error)")"),
                          "type": "upstream_error", "code": "stream_interrupted"]]
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
}
