public import Hummingbird
public import FoundationEssentials
import NIOCore

extension Request {
    /// Reads the body (bounded by the context's limit) and decodes it as JSON. A body over
    /// the limit is 413; anything that is not the expected JSON is 400 saying what is wrong.
    public func decodeJSON<T: Decodable>(as type: T.Type, context: AppRequestContext) async throws -> T {
        let data = try await bodyData(context: context)
        guard !data.isEmpty else { throw APIError.badRequest("request body is empty; send a JSON object", code: "invalid_json") }
        // Open-shaped bodies go through our linear, depth-limited parser, not JSONDecoder.
        if T.self == JSONValue.self {
            do {
                if let value = try JSONParser().parse(data) as? T { return value }
            } catch {
                throw APIError.badRequest("request body is not valid JSON: \(error)", code: "invalid_json")
            }
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw APIError.badRequest(Self.describe(error), code: "invalid_json")
        }
    }

    /// The whole body, at most `context.maxBodyBytes` bytes.
    public func bodyData(context: AppRequestContext) async throws -> Data {
        var request = self
        do {
            let buffer = try await request.collectBody(upTo: context.maxBodyBytes)
            return Data(buffer.readableBytesView)
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
    /// `JSONEncoder` with sorted keys gives, at a fraction of its cost: this is every
    /// non-streamed chat answer).
    /// (Declared `throws` only so it is a drop-in for the Encodable overload at call sites.)
    public static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: JSONSerializer.serialize(value))))
    }

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
