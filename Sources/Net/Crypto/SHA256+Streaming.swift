import CMbedTLS

extension SHA256 {
    /// SHA-256 over data fed in pieces (files too large to hold at once). The mbedTLS context
    /// lives on the heap (it must not move) and is freed in `deinit`. Not Sendable: one owner.
    public final class Streaming {
        private let context: UnsafeMutablePointer<mbedtls_sha256_context>

        public init() {
            context = .allocate(capacity: 1)
            mbedtls_sha256_init(context)
            _ = mbedtls_sha256_starts_ret(context, 0)
        }

        deinit {
            mbedtls_sha256_free(context)
            context.deallocate()
        }

        public func update(_ bytes: [UInt8]) {
            _ = bytes.withUnsafeBufferPointer { mbedtls_sha256_update_ret(context, $0.baseAddress, $0.count) }
        }

        /// The digest of everything fed so far (call once).
        public func finish() -> [UInt8] {
            var output = [UInt8](repeating: 0, count: SHA256.digestLength)
            _ = output.withUnsafeMutableBufferPointer { mbedtls_sha256_finish_ret(context, $0.baseAddress) }
            return output
        }
    }
}
