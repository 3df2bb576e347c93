public import FoundationEssentials

/// What an HTTP body held: one message, a batch, or nothing usable (with the error reply
/// to send). Batches are legal only in protocol 2025-03-26; the caller decides.
public enum JSONRPCBody: Sendable {
    case single(Result<JSONRPCMessage, JSONRPCMessage.InvalidMessage>)
    case batch([Result<JSONRPCMessage, JSONRPCMessage.InvalidMessage>])
    case unusable(JSONRPCError)

    public static func decode(_ data: Data) -> JSONRPCBody {
        switch parse(data) {
        case .success(let value): decode(value)
        case .failure(let error): .unusable(error)
        }
    }

    /// The body as JSON (linear, depth-limited), or the -32700 reply saying where it broke.
    public static func parse(_ data: Data) -> Result<JSONValue, JSONRPCError> {
        do {
            return .success(try JSONParser().parse(data))
        } catch {
            return .failure(.parseError("parse error: \(error)"))
        }
    }

    public static func decode(_ value: JSONValue) -> JSONRPCBody {
        switch value {
        case .array(let items):
            guard !items.isEmpty else { return .unusable(.invalidRequest("an empty batch is not a valid request")) }
            return .batch(items.map(JSONRPCMessage.decode))
        default:
            return .single(JSONRPCMessage.decode(value))
        }
    }
}
