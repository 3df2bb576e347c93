/// Small text helpers FoundationEssentials lacks (its `trimmingCharacters` and friends live
/// in full Foundation, which we do not link).
extension StringProtocol {
    /// Without leading and trailing whitespace and newlines.
    public func trimmed() -> String {
        // Fast path (credentials and header values on every request): a printable ASCII
        // scalar other than space at both ends means neither end Character is whitespace, so
        // the grapheme walk below is skipped. (Such a scalar at the end is its own Character
        // or follows a Prepend scalar, never whitespace; at the start it begins the Character.)
        if let first = unicodeScalars.first, let last = unicodeScalars.last, Self.isPrintableASCII(first), Self.isPrintableASCII(last) {
            return String(self)
        }
        guard let start = firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let end = lastIndex(where: { !$0.isWhitespace }) ?? start
        return String(self[start...end])
    }

    private static func isPrintableASCII(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value > 0x20 && scalar.value < 0x7F
    }

    /// Pads with spaces on the right to `width` characters (never truncates).
    public func padded(to width: Int) -> String {
        count >= width ? String(self) : String(self) + String(repeating: " ", count: width - count)
    }
}
