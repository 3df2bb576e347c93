/// A failure in a cryptographic primitive: which one, and mbedTLS's return code when it
/// came from there. These indicate a broken system (no entropy, bad parameters), not bad input.
public struct CryptoError: Error, CustomStringConvertible, Sendable {
    public enum Code: Sendable, Equatable {
        case digest
        case hmac
        case pbkdf2
        case random
        case invalidParameter
    }

    public var code: Code
    public var message: String
    public var mbedTLSCode: Int32?

    public init(_ code: Code, _ message: String, mbedTLSCode: Int32? = nil) {
        self.code = code
        self.message = message
        self.mbedTLSCode = mbedTLSCode
    }

    public var description: String {
        mbedTLSCode.map { "\(message) (mbedtls -0x\(String(-$0, radix: 16)))" } ?? message
    }
}
