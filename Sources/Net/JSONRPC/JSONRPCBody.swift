public import FoundationEssentials

/// What an HTTP body held: one message, a batch, or nothing usable (with the error reply
/// to send). Batches are legal only in protocol 2025-03-26; the caller decides.
public enum JSONRPCBody: Sendable {
    case single(Result<JSONRPCMessage, JSONRPCMessage.InvalidMessage>)
    case batch([Result<JSONRPCMessage, JSONRPCMessage.InvalidMessage>])
    case unusable(JSONRPCError)

    public static func decode(_ data: Data) -> JSONRPCBody {
        guard let value = JSONValue.parse(data) else { return .unusable(.parseError()) }
        switch value {
        case .array(let items):
            guard !items.isEmpty else { return .unusable(.invalidRequest("an empty batch is not a valid request")) }
            return .batch(items.map(JSONRPCMessage.decode))
        default:
            return .single(JSONRPCMessage.decode(value))
        }
    }
}
