internal import CMbedTLS

/// A parsed X.509 certificate chain (one or more certificates), owning its `mbedtls_x509_crt`
/// list on the heap. Immutable after init; mbedTLS only reads it during handshakes, so one
/// instance may be shared by every connection of a configuration.
public final class Certificate: @unchecked Sendable {
    let crt: UnsafeMutablePointer<mbedtls_x509_crt>

    private init() {
        crt = .allocate(capacity: 1)
        mbedtls_x509_crt_init(crt)
    }

    deinit {
        mbedtls_x509_crt_free(crt)
        crt.deallocate()
    }

    /// Parses one or more PEM certificates (a bundle becomes a chain, leaf first).
    public convenience init(pem: String) throws(TLSError) {
        self.init()
        let bytes = Array(pem.utf8CString).map { UInt8(bitPattern: $0) }
        let result = mbedtls_x509_crt_parse(crt, bytes, bytes.count)
        // A positive result counts certificates that failed to parse inside a bundle.
        if result != 0 {
            throw TLSError(.loadCertificate, mbedTLSCode: min(result, 0),
                           reason: result > 0 ? "\(result) certificate(s) in the PEM did not parse" : nil)
        }
    }

    public convenience init(der: [UInt8]) throws(TLSError) {
        self.init()
        try TLSError.check(mbedtls_x509_crt_parse_der(crt, der, der.count), .loadCertificate)
    }

    public convenience init(file path: String) throws(TLSError) {
        try self.init(pem: try PEMFile.read(path))
    }

    /// Facts about the first certificate of the chain.
    public var info: PeerCertificate { PeerCertificate(crt) }

    /// DER of the first certificate.
    public var der: [UInt8] { Array(UnsafeBufferPointer(start: crt.pointee.raw.p, count: crt.pointee.raw.len)) }

    /// PEM of the first certificate.
    public var pem: String {
        Certificate.pem(der: der)
    }

    /// sha256 of the first certificate's SubjectPublicKeyInfo, lowercase hex: the join-token pin.
    public var spkiSHA256: String { info.spkiSHA256 }

    static func pem(der: [UInt8]) -> String {
        var base64Length = 0
        _ = mbedtls_base64_encode(nil, 0, &base64Length, der, der.count)
        var base64 = [UInt8](repeating: 0, count: base64Length)
        _ = mbedtls_base64_encode(&base64, base64.count, &base64Length, der, der.count)
        let text = String(decoding: base64.prefix(base64Length), as: UTF8.self)
        var lines = ["-----BEGIN CERTIFICATE-----"]
        var index = text.startIndex
        while index < text.endIndex {
            let end = text.index(index, offsetBy: 64, limitedBy: text.endIndex) ?? text.endIndex
            lines.append(String(text[index..<end]))
            index = end
        }
        lines.append("-----END CERTIFICATE-----")
        return lines.joined(separator: "\n") + "\n"
    }
}
