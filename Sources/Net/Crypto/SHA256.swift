import CMbedTLS

/// SHA-256 (FIPS 180-4) through mbedTLS.
public enum SHA256 {
    public static let digestLength = 32

    /// The 32-byte digest of `input`.
    public static func hash(_ input: some Collection<UInt8>) -> [UInt8] {
        let bytes = Array(input)
        var output = [UInt8](repeating: 0, count: digestLength)
        // mbedtls_sha256_ret only fails on bad pointers, which Swift arrays never are.
        _ = bytes.withUnsafeBufferPointer { inPtr in
            output.withUnsafeMutableBufferPointer { outPtr in
                mbedtls_sha256_ret(inPtr.baseAddress, inPtr.count, outPtr.baseAddress, 0)
            }
        }
        return output
    }

    /// The digest as lowercase hex (how hashes of keys are stored).
    public static func hexHash(_ input: some Collection<UInt8>) -> String {
        let bytes = Array(input)
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: digestLength) { digest in
            _ = bytes.withUnsafeBufferPointer { mbedtls_sha256_ret($0.baseAddress, $0.count, digest.baseAddress, 0) }
            return Hex.encode(UnsafeBufferPointer(digest))
        }
    }
}
