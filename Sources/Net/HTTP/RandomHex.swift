import Synchronization

/// Lowercase hex ids for requests and completions: unique within the process and, with a
/// random key drawn once per process, across processes and restarts. Not for secrets
/// (`SecureRandom` is): ids are a keyed counter through a bijective mixer, so one id says
/// nothing useful about the next, but they are not unpredictable. A system-random draw per id
/// was a `getrandom` syscall on every request.
public enum RandomHex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)
    private static let key: UInt64 = {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }()
    private static let counter = Atomic<UInt64>(0)

    /// `count` hex digits (clamped to 0...256). The first 16 digits of ids made in one
    /// process never repeat (a 64-bit counter through a bijection).
    public static func make(_ count: Int) -> String {
        let count = min(max(count, 0), 256)
        return String(unsafeUninitializedCapacity: count) { buffer in
            var word: UInt64 = 0
            for index in 0..<count {
                if index % 16 == 0 { word = nextWord() }
                buffer[index] = digits[Int(word & 0xF)]
                word >>= 4
            }
            return count
        }
    }

    /// SplitMix64's finalizer over key + counter: a bijection of the counter, so distinct
    /// counters give distinct words.
    static func nextWord() -> UInt64 {
        var z = counter.wrappingAdd(1, ordering: .relaxed).newValue &+ key
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
