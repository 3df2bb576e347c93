internal import CMbedTLS

/// A TLS or certificate failure, carrying mbedTLS's own result code and reason text so a log
/// line says what went wrong ("X509 - Certificate verification failed ...") without a debugger.
public struct TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being attempted when mbedTLS said no.
    public enum Code: String, Sendable, Equatable {
        case configuration      // building the shared ssl_config (suites, own cert, CA chain)
        case loadCertificate    // parsing a PEM/DER certificate or file
        case loadKey            // parsing a PEM private/public key
        case randomSource       // seeding or drawing from the DRBG
        case handshake          // the TLS handshake failed (includes peer verification)
        case peerRevoked        // the revocation hook refused the peer certificate
        case handshakeTimeout   // the peer did not finish the handshake in time
        case read               // decrypting application data
        case write              // encrypting application data
        case unexpectedEOF      // the transport closed before close_notify
        case keyGeneration      // generating a key pair
        case certificateWrite   // building, signing or encoding a certificate or CSR
        case parseRequest       // parsing a CSR
        case file               // reading or writing a file
    }

    public var code: Code
    /// The mbedTLS return code (negative), or 0 when the failure did not come from mbedTLS.
    public var mbedTLSCode: Int32
    /// `mbedtls_strerror` text for `mbedTLSCode`, or our own explanation.
    public var reason: String

    public init(_ code: Code, mbedTLSCode: Int32 = 0, reason: String? = nil) {
        self.code = code
        self.mbedTLSCode = mbedTLSCode
        self.reason = reason ?? (mbedTLSCode != 0 ? TLSError.strerror(mbedTLSCode) : code.rawValue)
    }

    public var description: String {
        mbedTLSCode != 0
            ? "TLS \(code.rawValue): \(reason) (-0x\(String(-Int(mbedTLSCode), radix: 16)))"
            : "TLS \(code.rawValue): \(reason)"
    }

    /// mbedTLS's reason text for a (negative) result code.
    public static func strerror(_ result: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        mbedtls_strerror(result, &buffer, buffer.count)
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Throws when an mbedTLS call returned a negative code.
    @inline(__always)
    static func check(_ result: Int32, _ code: Code) throws(TLSError) {
        if result < 0 { throw TLSError(code, mbedTLSCode: result) }
    }
}
