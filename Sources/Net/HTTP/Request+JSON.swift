public import Hummingbird
public import FoundationEssentials
public import NIOCore

extension Request {
    /// Reads the body (bounded by the context's limit) and decodes it as JSON. A body over
    /// the limit is 413; anything that is not the expected JSON is 400 saying what is wrong.
    public func decodeJSON<T: Decodable>(as type: T.Type, context: AppRequestContext) async throws -> T {
        // Open-shaped bodies go through our linear, depth-limited parser, not JSONDecoder.
        if T.self == JSONValue.self, let value = try await decodeJSON(as: JSONValue.self, context: context) as? T { return value }
        let data = try await bodyData(context: context)
        guard !data.isEmpty else { throw APIError.badRequest("request body is empty; send a JSON object", code: "invalid_json") }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw APIError.badRequest(Self.describe(error), code: "invalid_json")
        }
    }

    /// The open-shaped body (every chat request): our parser, without the generic path's
    /// run-time type check and cast.
    public func decodeJSON(as type: JSONValue.Type, context: AppRequestContext) async throws -> JSONValue {
        try Self.parse(try await bodyBuffer(context: context))
    }

    /// The body read by `fast` straight from its bytes, or, when `fast` gives nil, parsed
    /// into a tree for `tree` (which words any error): a hot endpoint's plain bodies then
    /// build no tree, and every other body is read and refused as before.
    public func decodeJSON<T>(context: AppRequestContext, fast: (UnsafeRawBufferPointer) -> T?,
                              tree: (JSONValue) throws -> T) async throws -> T {
        let body = try await bodyBuffer(context: context)
        if let value = body.withUnsafeReadableBytes(fast) { return value }
        return try tree(Self.parse(body))
    }

    static func parse(_ body: ByteBuffer) throws -> JSONValue {
        guard body.readableBytes > 0 else { throw APIError.badRequest("request body is empty; send a JSON object", code: "invalid_json") }
        do {
            return try JSONParser().parse(body.readableBytesView)  // parsed in place, not copied into Data first
        } catch {
            throw APIError.badRequest("request body is not valid JSON: \(error)", code: "invalid_json")
        }
    }

    /// The whole body, at most `context.maxBodyBytes` bytes.
    public func bodyData(context: AppRequestContext) async throws -> Data {
        Data(try await bodyBuffer(context: context).readableBytesView)
    }

    func bodyBuffer(context: AppRequestContext) async throws -> ByteBuffer {
        var request = self
        do {
            return try await request.collectBody(upTo: context.maxBodyBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.payloadTooLarge(limit: context.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            // How a chunked body (no Content-Length to check first) reports going over.
            throw APIError.payloadTooLarge(limit: context.maxBodyBytes)
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            let text = codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.isEmpty ? "the body" : String(text.drop { $0 == "." })
        }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return "request body is not valid JSON"
        case .dataCorrupted(let context):
            return "invalid value at \(path(context.codingPath)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "missing field \(path(context.codingPath + [key]))"
        case .typeMismatch(let type, let context):
            return "wrong type at \(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "null at \(path(context.codingPath)): expected \(type)"
        @unknown default:
            return "request body does not match the expected JSON shape"
        }
    }
}

extension Response {
    /// A JSON response from a `JSONValue`, written by `JSONSerializer` (the same bytes
    /// `JSONEncoder` with sorted keys gives, at a fraction of its cost: the Anthropic-shape
    /// answers and most API replies).
    /// (Declared `throws` only so it is a drop-in for the Encodable overload at call sites.)
    public static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        json(serialized: JSONSerializer.serialize(value), status: status, headers: headers)
    }

    /// A JSON response from bytes a direct encoder wrote (`OpenAIResponseEncoder`).
    public static func json(serialized bytes: [UInt8], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A JSON body encoded once, at start-up (`/healthz`): the bytes are shared between
    /// responses and nothing is encoded per request.
    public static func json(encoded body: ByteBuffer, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: jsonHeaders, body: .init(byteBuffer: body))
    }

    static let jsonHeaders: HTTPFields = [.contentType: "application/json; charset=utf-8"]

    /// A JSON response from any Encodable value.
    public static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
