/// Every failure the mesh module reports: a code, a message a user can act on, and the
/// JSON-RPC code it maps to when it answers a request.
public struct MeshError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// Files, settings or addresses that cannot be used.
        case configuration
        /// A connection or handshake to a peer failed.
        case connect
        /// The link closed or a send did not go out.
        case link
        /// A peer spoke something else than the mesh protocol.
        case protocolViolation
        /// A join refused (bad token, pin mismatch, no CA here).
        case joinRefused
        case timeout
        /// The peer answered a request with this JSON-RPC error code.
        case remote(Int)
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// The JSON-RPC error code when this answers a request.
    public var rpcCode: Int {
        switch code {
        case .joinRefused: -32003
        case .remote(let code): code
        case .protocolViolation: -32600
        case .configuration, .connect, .link, .timeout: -32603
        }
    }
}
