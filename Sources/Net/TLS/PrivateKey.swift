internal import CMbedTLS

/// A private key (P-256 when we generate it; any key mbedTLS parses when loaded) owning its
/// `mbedtls_pk_context` on the heap. Immutable after init, so it may be shared across threads
/// for signing: mbedTLS only reads the key and draws randomness through `DRBG`'s lock.
public final class PrivateKey: @unchecked Sendable {
    let pk: UnsafeMutablePointer<mbedtls_pk_context>

    private init(empty: Void) {
        pk = .allocate(capacity: 1)
        mbedtls_pk_init(pk)
    }

    deinit {
        mbedtls_pk_free(pk)
        pk.deallocate()
    }

    /// Generates a fresh ECDSA P-256 key.
    public static func generateP256() throws(TLSError) -> PrivateKey {
        guard let random = DRBG.shared else { throw TLSError(.randomSource, reason: "no entropy source") }
        let key = PrivateKey(empty: ())
        try TLSError.check(mbedtls_pk_setup(key.pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), .keyGeneration)
        try TLSError.check(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, cmbedtls_pk_ec(key.pk),
                                               DRBG.function, random.context), .keyGeneration)
        return key
    }

    /// Parses a PEM (or DER) private key, optionally encrypted with `password`.
    public convenience init(pem: String, password: String? = nil) throws(TLSError) {
        self.init(empty: ())
        let bytes = Array(pem.utf8CString).map { UInt8(bitPattern: $0) }   // PEM input must include the NUL
        let pwd = password.map { Array($0.utf8) } ?? []
        let result = mbedtls_pk_parse_key(pk, bytes, bytes.count, pwd.isEmpty ? nil : pwd, pwd.count)
        try TLSError.check(result, .loadKey)
    }

    public convenience init(file path: String, password: String? = nil) throws(TLSError) {
        try self.init(pem: try PEMFile.read(path), password: password)
    }

    /// SEC1 "EC PRIVATE KEY" (or PKCS#1) PEM.
    public func privateKeyPEM() throws(TLSError) -> String {
        try PEMFile.writeString(capacity: 4096, code: .certificateWrite) { mbedtls_pk_write_key_pem(pk, $0, $1) }
    }

    /// SubjectPublicKeyInfo PEM ("PUBLIC KEY").
    public func publicKeyPEM() throws(TLSError) -> String {
        try PEMFile.writeString(capacity: 2048, code: .certificateWrite) { mbedtls_pk_write_pubkey_pem(pk, $0, $1) }
    }

    /// sha256 of the DER SubjectPublicKeyInfo, lowercase hex (same value as `PeerCertificate.spkiSHA256`).
    public func spkiSHA256() throws(TLSError) -> String {
        try PublicKey.spkiSHA256(of: pk)
    }
}

/// A public key alone (from a PEM "PUBLIC KEY" or a CSR), for signing a certificate to it.
public final class PublicKey: @unchecked Sendable {
    let pk: UnsafeMutablePointer<mbedtls_pk_context>

    init(taking pk: UnsafeMutablePointer<mbedtls_pk_context>) { self.pk = pk }

    deinit {
        mbedtls_pk_free(pk)
        pk.deallocate()
    }

    public convenience init(pem: String) throws(TLSError) {
        let pk = UnsafeMutablePointer<mbedtls_pk_context>.allocate(capacity: 1)
        mbedtls_pk_init(pk)
        self.init(taking: pk)
        let bytes = Array(pem.utf8CString).map { UInt8(bitPattern: $0) }
        try TLSError.check(mbedtls_pk_parse_public_key(pk, bytes, bytes.count), .loadKey)
    }

    public func pem() throws(TLSError) -> String {
        try PEMFile.writeString(capacity: 2048, code: .certificateWrite) { mbedtls_pk_write_pubkey_pem(pk, $0, $1) }
    }

    public func spkiSHA256() throws(TLSError) -> String { try PublicKey.spkiSHA256(of: pk) }

    static func spkiSHA256(of pk: UnsafeMutablePointer<mbedtls_pk_context>) throws(TLSError) -> String {
        var buffer = [UInt8](repeating: 0, count: 2048)
        // mbedtls_pk_write_pubkey_der writes at the END of the buffer and returns the length.
        let written = mbedtls_pk_write_pubkey_der(pk, &buffer, buffer.count)
        try TLSError.check(written, .certificateWrite)
        return PeerCertificate.sha256Hex(Array(buffer.suffix(Int(written))), Int(written))
    }
}
