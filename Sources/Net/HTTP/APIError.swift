public import Hummingbird
import FoundationEssentials

/// An error a client sees: one HTTP status and the JSON body every endpoint uses,
/// `{"error": {"message", "type", "code"}}`. Messages say what to fix, never leak secrets.
public struct APIError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    /// Broad class, OpenAI style: invalid_request_error, authentication_error, ...
    public var type: String
    /// Stable machine-readable code: not_found, body_too_large, rate_limited, ...
    public var code: String
    public var message: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, type: String, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.type = type
        self.code = code
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        let body = APIErrorBody(error: .init(message: message, type: type, code: code))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(body)) ?? Data(#"{"error":{"message":"internal error","type":"server_error","code":"internal"}}"#.utf8)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

struct APIErrorBody: Encodable {
    struct Detail: Encodable {
        let message: String
        let type: String
        let code: String
    }
    let error: Detail
}

extension APIError {
    public static func badRequest(_ message: String, code: String = "invalid_request") -> APIError {
        APIError(.badRequest, type: "invalid_request_error", code: code, message: message)
    }
    public static func unauthorized(_ message: String = "missing or invalid credentials: send Authorization: Bearer <token>") -> APIError {
        APIError(.unauthorized, type: "authentication_error", code: "unauthorized", message: message,
                 headers: [.wwwAuthenticate: "Bearer"])
    }
    public static func forbidden(_ message: String, code: String = "forbidden") -> APIError {
        APIError(.forbidden, type: "permission_error", code: code, message: message)
    }
    public static func notFound(_ message: String, code: String = "not_found") -> APIError {
        APIError(.notFound, type: "invalid_request_error", code: code, message: message)
    }
    public static func methodNotAllowed(_ method: HTTPRequest.Method, path: String, allowed: [HTTPRequest.Method]) -> APIError {
        let allow = allowed.map(\.rawValue).joined(separator: ", ")
        return APIError(.methodNotAllowed, type: "invalid_request_error", code: "method_not_allowed",
                        message: "\(method.rawValue) is not allowed on \(path); use \(allow)",
                        headers: [.allow: allow])
    }
    public static func payloadTooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, type: "invalid_request_error", code: "body_too_large",
                 message: "request body exceeds the limit of \(limit) bytes")
    }
    public static func rateLimited(_ message: String, retryAfterSeconds: Int, headers extra: HTTPFields = [:]) -> APIError {
        var headers = extra
        headers[.retryAfter] = String(max(1, retryAfterSeconds))
        return APIError(.tooManyRequests, type: "rate_limit_error", code: "rate_limited", message: message, headers: headers)
    }
    public static func unavailable(_ message: String, code: String = "unavailable") -> APIError {
        APIError(.serviceUnavailable, type: "server_error", code: code, message: message)
    }
    public static func badGateway(_ message: String, code: String = "upstream_error") -> APIError {
        APIError(.badGateway, type: "server_error", code: code, message: message)
    }
    public static func `internal`(_ message: String = "internal error; see the server log for the request id") -> APIError {
        APIError(.internalServerError, type: "server_error", code: "internal", message: message)
    }
}
