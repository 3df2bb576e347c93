/// Random lowercase hex strings for request and completion ids: 64 random bits per 16
/// digits straight from the system generator, without a UUID's string round trip (which
/// cost two allocations and a Character-by-Character filter on every request).
public enum RandomHex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `count` hex digits (clamped to 0...256).
    public static func make(_ count: Int) -> String {
        let count = min(max(count, 0), 256)
        var generator = SystemRandomNumberGenerator()
        return String(unsafeUninitializedCapacity: count) { buffer in
            var word: UInt64 = 0
            for index in 0..<count {
                if index % 16 == 0 { word = generator.next() }
                buffer[index] = digits[Int(word & 0xF)]
                word >>= 4
            }
            return count
        }
    }
}
