/// A replication failure between this node and a peer: the wire (malformed message), the
/// link (call failed), or a snapshot transfer (digest mismatch, file I/O).
public struct SyncError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case malformed
        case link
        case snapshot
        case io
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
