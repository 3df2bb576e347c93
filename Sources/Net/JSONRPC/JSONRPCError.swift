/// A JSON-RPC 2.0 error object. The codes are the protocol's own; MCP adds none we use
/// besides the server range for "session/resource not found".
public struct JSONRPCError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var data: JSONValue?

    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public static let parseErrorCode = -32700
    public static let invalidRequestCode = -32600
    public static let methodNotFoundCode = -32601
    public static let invalidParamsCode = -32602
    public static let internalErrorCode = -32603
    /// MCP 2026-07-28: the request's protocol version is not served; data names ours.
    public static let unsupportedProtocolVersionCode = -32022
    /// Not a spec code: a session id that is unknown, expired, or not the caller's.
    public static let sessionNotFoundCode = -32001

    public static func parseError(_ message: String = "parse error: the body is not valid JSON") -> JSONRPCError {
        JSONRPCError(code: parseErrorCode, message: message)
    }
    public static func invalidRequest(_ message: String) -> JSONRPCError {
        JSONRPCError(code: invalidRequestCode, message: message)
    }
    public static func methodNotFound(_ method: String) -> JSONRPCError {
        JSONRPCError(code: methodNotFoundCode, message: "method not found: \(method)")
    }
    public static func invalidParams(_ message: String) -> JSONRPCError {
        JSONRPCError(code: invalidParamsCode, message: message)
    }
    public static func internalError(_ message: String = "internal error; see the server log") -> JSONRPCError {
        JSONRPCError(code: internalErrorCode, message: message)
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = ["code": .int(Int64(code)), "message": .string(message)]
        if let data { object["data"] = data }
        return .object(object)
    }

    public var description: String { "\(code) \(message)" }
}
