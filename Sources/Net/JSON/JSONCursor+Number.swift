extension JSONCursor {
    /// A number per RFC 8259's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    /// Plain integers accumulate with overflow checks; anything else goes through Double.
    mutating func number() throws(JSONParseError) -> JSONValue {
        let start = index
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard index < bytes.count else { throw fail(.unexpectedEnd) }
        // Accumulate negatively: Int64.min has no positive counterpart.
        var accumulated: Int64 = 0
        var fitsInt64 = true
        switch bytes[index] {
        case UInt8(ascii: "0"):
            index += 1
        case UInt8(ascii: "1")...UInt8(ascii: "9"):
            while index < bytes.count, isDigit(bytes[index]) {
                if fitsInt64 {
                    let (times10, overflow1) = accumulated.multipliedReportingOverflow(by: 10)
                    let (next, overflow2) = times10.subtractingReportingOverflow(Int64(bytes[index] - UInt8(ascii: "0")))
                    if overflow1 || overflow2 { fitsInt64 = false } else { accumulated = next }
                }
                index += 1
            }
        default:
            throw fail(.invalidNumber)
        }
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            try digits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            try digits()
        }
        if isInteger, fitsInt64 {
            if negative { return .int(accumulated) }
            let (positive, overflow) = Int64(0).subtractingReportingOverflow(accumulated)
            if !overflow { return .int(positive) }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let double = Double(text) else { throw JSONParseError(.invalidNumber, at: start) }
        guard double.isFinite else { throw JSONParseError(.numberOutOfRange, at: start) }
        // `2.0` and `1e3` are integers, but only where a double holds every integer exactly:
        // beyond 2^53 rounding could turn an out-of-range literal into an in-range Int64.
        if !isInteger, double.magnitude <= Self.largestExactInteger, let exact = Int64(exactly: double) { return .int(exact) }
        return .double(double)
    }

    /// One or more decimal digits (after `.` or an exponent sign).
    private mutating func digits() throws(JSONParseError) {
        guard index < bytes.count else { throw fail(.unexpectedEnd) }
        guard isDigit(bytes[index]) else { throw fail(.invalidNumber) }
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }

    static let largestExactInteger: Double = 9_007_199_254_740_992   // 2^53

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
