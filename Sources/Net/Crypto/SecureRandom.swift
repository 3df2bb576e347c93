import Glibc
import CMbedTLS

/// Cryptographically secure random bytes from the kernel (getrandom(2)), which blocks only
/// until the pool is initialised at boot and never returns weak bytes after.
public enum SecureRandom {
    public static func bytes(_ count: Int) throws(CryptoError) -> [UInt8] {
        guard count >= 0 else { throw CryptoError(.invalidParameter, "random: negative length") }
        var output = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = output.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return getrandom(base + filled, count - filled, 0)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw CryptoError(.random, "getrandom failed: errno \(errno)")
            }
            filled += n
        }
        return output
    }

    /// `count` random bytes as base64url without padding (tokens, ids, salts in text).
    public static func token(bytes count: Int) throws(CryptoError) -> String {
        Base64URL.encode(try bytes(count))
    }
}
