internal import CMbedTLS
import Synchronization

/// One entropy source + CTR_DRBG pair behind a mutex, usable as an mbedTLS `f_rng`.
///
/// Why a mutex: Debian's mbedTLS 2.28 is built without `MBEDTLS_THREADING_C`, so neither
/// `mbedtls_ctr_drbg_random` nor `mbedtls_entropy_func` may be entered from two threads at
/// once. The RNG is installed on the shared `mbedtls_ssl_config` (`mbedtls_ssl_conf_rng` is a
/// per-config setting, not per-connection), and connections of one config run their
/// handshakes on different event-loop threads, so every draw goes through `lock`. A handshake
/// draws a few hundred bytes at most; the lock is held for microseconds and never across I/O.
/// The contexts live on the heap (mbedTLS keeps internal pointers into them) and are freed in
/// deinit. Safety: `@unchecked Sendable` because all access to `drbg`/`entropy` holds `lock`.
final class DRBG: @unchecked Sendable {
    private let lock = Mutex<Void>(())
    private let entropy: UnsafeMutablePointer<mbedtls_entropy_context>
    private let drbg: UnsafeMutablePointer<mbedtls_ctr_drbg_context>

    init(personalization: String = "triforce") throws(TLSError) {
        entropy = .allocate(capacity: 1)
        drbg = .allocate(capacity: 1)
        mbedtls_entropy_init(entropy)
        mbedtls_ctr_drbg_init(drbg)
        let result = personalization.utf8CString.withUnsafeBufferPointer { custom in
            custom.withMemoryRebound(to: UInt8.self) { bytes in
                mbedtls_ctr_drbg_seed(drbg, mbedtls_entropy_func, entropy, bytes.baseAddress, bytes.count - 1)
            }
        }
        if result != 0 {
            mbedtls_ctr_drbg_free(drbg)
            mbedtls_entropy_free(entropy)
            drbg.deallocate()
            entropy.deallocate()
            throw TLSError(.randomSource, mbedTLSCode: result)
        }
    }

    deinit {
        mbedtls_ctr_drbg_free(drbg)
        mbedtls_entropy_free(entropy)
        drbg.deallocate()
        entropy.deallocate()
    }

    /// Fills `buffer`; returns 0 or an mbedTLS error code.
    func fill(_ buffer: UnsafeMutablePointer<UInt8>?, _ count: Int) -> Int32 {
        lock.withLock { _ in mbedtls_ctr_drbg_random(drbg, buffer, count) }
    }

    /// Random bytes for serial numbers and tests.
    func bytes(_ count: Int) throws(TLSError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let result = out.withUnsafeMutableBufferPointer { fill($0.baseAddress, count) }
        try TLSError.check(result, .randomSource)
        return out
    }

    /// The opaque pointer handed to mbedTLS as `p_rng`; valid while `self` is alive (the owner
    /// of the config/operation keeps a strong reference).
    var context: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    /// The C `f_rng` trampoline matching `context`.
    static let function: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt8>?, Int) -> Int32 = {
        context, buffer, count in
        guard let context else { return MBEDTLS_ERR_CTR_DRBG_REQUEST_TOO_BIG }
        return Unmanaged<DRBG>.fromOpaque(context).takeUnretainedValue().fill(buffer, count)
    }

    /// One process-wide generator for CA operations (key generation, serials, signing).
    static let shared: DRBG? = try? DRBG(personalization: "triforce-ca")
}
