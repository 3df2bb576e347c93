/// One decoded JSON-RPC 2.0 message. Requests carry an id (string or number); notifications
/// do not; responses (from a client answering a server request) carry a result or error.
public enum JSONRPCMessage: Sendable, Equatable {
    case request(id: JSONValue, method: String, params: JSONValue?)
    case notification(method: String, params: JSONValue?)
    case response(id: JSONValue, result: JSONValue?, error: JSONValue?)

    /// Decodes one message object; a malformed one is an invalid request carrying its id
    /// when one could be read (so the error can be addressed).
    public static func decode(_ value: JSONValue) -> Result<JSONRPCMessage, InvalidMessage> {
        guard case .object(let object) = value else {
            return .failure(InvalidMessage(id: .null, error: .invalidRequest("a JSON-RPC message must be an object")))
        }
        let rawID = object["id"]
        let id: JSONValue
        switch rawID {
        case nil: id = .null
        case .string?, .int?: id = rawID ?? .null
        case .double(let d)?:
            // An integral number beyond Int64 (1e300, 2^63) is refused, never converted with a trap;
            // past 2^53 a double no longer names one integer (-9223372036854775809 rounds to Int64.min).
            guard d.magnitude <= 9_007_199_254_740_992, let exact = Int64(exactly: d) else {
                return .failure(InvalidMessage(id: .null, error: .invalidRequest("id must be a string or an integer within ±9223372036854775807")))
            }
            id = .int(exact)
        default:
            return .failure(InvalidMessage(id: .null, error: .invalidRequest("id must be a string or an integer")))
        }
        guard object["jsonrpc"] == "2.0" else {
            return .failure(InvalidMessage(id: id, error: .invalidRequest("jsonrpc must be \"2.0\"")))
        }
        let params = object["params"]
        if let params, params.objectValue == nil, params.arrayValue == nil {
            return .failure(InvalidMessage(id: id, error: .invalidRequest("params must be an object or an array")))
        }
        if let methodValue = object["method"] {
            guard let method = methodValue.stringValue, !method.isEmpty else {
                return .failure(InvalidMessage(id: id, error: .invalidRequest("method must be a non-empty string")))
            }
            return .success(rawID == nil ? .notification(method: method, params: params)
                                         : .request(id: id, method: method, params: params))
        }
        if rawID != nil, object["result"] != nil || object["error"] != nil {
            return .success(.response(id: id, result: object["result"], error: object["error"]))
        }
        return .failure(InvalidMessage(id: id, error: .invalidRequest("a message needs a method, or a result or error")))
    }

    public struct InvalidMessage: Error, Sendable, Equatable {
        public var id: JSONValue
        public var error: JSONRPCError
    }

    public var method: String? {
        switch self {
        case .request(_, let method, _), .notification(let method, _): method
        case .response: nil
        }
    }

    public var params: JSONValue? {
        switch self {
        case .request(_, _, let params), .notification(_, let params): params
        case .response: nil
        }
    }
}

/// Builders for outgoing messages.
public enum JSONRPC {
    public static func result(id: JSONValue, _ result: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "result": result]
    }

    public static func error(id: JSONValue, _ error: JSONRPCError) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "error": error.json]
    }

    public static func notification(_ method: String, _ params: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "method": .string(method), "params": params]
    }
}
