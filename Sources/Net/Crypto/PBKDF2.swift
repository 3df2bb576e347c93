import CMbedTLS

/// PBKDF2 (RFC 8018) with HMAC-SHA256 through mbedTLS. CPU-bound: 600,000 iterations take
/// a few hundred milliseconds, so callers run it off the Swift cooperative pool.
public enum PBKDF2 {
    public static func sha256(password: some Collection<UInt8>, salt: some Collection<UInt8>,
                              iterations: Int, length: Int) throws(CryptoError) -> [UInt8] {
        guard iterations >= 1, iterations <= Int(UInt32.max), (1...1024).contains(length) else {
            throw CryptoError(.invalidParameter, "pbkdf2: iterations must be >= 1 and length 1...1024")
        }
        guard let info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256) else {
            throw CryptoError(.pbkdf2, "pbkdf2: sha256 is not available in this mbedTLS")
        }
        let password = Array(password)
        let salt = Array(salt)
        var output = [UInt8](repeating: 0, count: length)
        // The md context must not move while in use: heap-allocate it (DESIGN.md).
        let context = UnsafeMutablePointer<mbedtls_md_context_t>.allocate(capacity: 1)
        mbedtls_md_init(context)
        defer {
            mbedtls_md_free(context)
            context.deallocate()
        }
        var rc = mbedtls_md_setup(context, info, 1)
        guard rc == 0 else { throw CryptoError(.pbkdf2, "pbkdf2: md setup failed", mbedTLSCode: rc) }
        rc = password.withUnsafeBufferPointer { p in
            salt.withUnsafeBufferPointer { s in
                output.withUnsafeMutableBufferPointer { o in
                    mbedtls_pkcs5_pbkdf2_hmac(context, p.baseAddress, p.count, s.baseAddress, s.count,
                                              UInt32(iterations), UInt32(length), o.baseAddress)
                }
            }
        }
        guard rc == 0 else { throw CryptoError(.pbkdf2, "pbkdf2 failed", mbedTLSCode: rc) }
        return output
    }
}
