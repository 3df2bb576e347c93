import CMbedTLS

/// HMAC (RFC 2104) through mbedTLS.
public enum HMAC {
    /// HMAC-SHA256 of `message` under `key`: 32 bytes.
    public static func sha256(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        let key = Array(key)
        let message = Array(message)
        var output = [UInt8](repeating: 0, count: SHA256.digestLength)
        guard let info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256) else { return output }
        // Only fails for a NULL md_info (checked above) or allocation failure.
        _ = key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                output.withUnsafeMutableBufferPointer { o in
                    mbedtls_md_hmac(info, k.baseAddress, k.count, m.baseAddress, m.count, o.baseAddress)
                }
            }
        }
        return output
    }
}
