/// Comparison whose running time depends only on the lengths, never on where the inputs
/// differ: for MACs, password hashes and key hashes.
public enum ConstantTime {
    public static func equals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        let a = Array(a)
        let b = Array(b)
        // Length is not secret here (digests have fixed sizes); still walk the longer one.
        var difference: UInt8 = a.count == b.count ? 0 : 1
        let n = max(a.count, b.count)
        for i in 0..<n {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}

/// `constantTimeEquals(a, b)`: the free-function spelling of `ConstantTime.equals`.
public func constantTimeEquals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
    ConstantTime.equals(a, b)
}
